import { countryProblem, currencyProblem, type AdAccountService } from './ad-accounts.js';
import { defineFixtureSection, invalidFixture } from '../fixture-section.js';
import { AD_ACCOUNT_ROLES } from './roles.js';
import type { UserStore } from '../user-account/store.js';

/** An ad account of a fixture file; campaigns name it by `name`. */
export interface AdAccountFixture {
  name: string;
  owner: string;
  country?: string;
  currency?: string;
  roles?: { user: string; role: string }[];
}

/** The fixture's `ad_accounts` (kind `ad_account`, named by their name), with the roles others hold on them. */
export function adAccountFixtures(accounts: AdAccountService, users: UserStore) {
  return defineFixtureSection({
    key: 'ad_accounts',
    item: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'owner'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 256 },
        owner: { type: 'string' },
        country: { type: 'string' },
        currency: { type: 'string' },
        roles: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['user', 'role'],
            properties: { user: { type: 'string' }, role: { enum: AD_ACCOUNT_ROLES.filter((role) => role !== 'OWNER') } },
          },
        },
      },
    },
    async check(items: readonly AdAccountFixture[], { names }) {
      for (const [i, item] of items.entries()) {
        if (!names.declare('ad_account', item.name)) throw invalidFixture(`ad_accounts[${i}].name`, `${item.name} appears twice`);
        if (!(await names.known('user', item.owner))) throw invalidFixture(`ad_accounts[${i}].owner`, `names no user (${item.owner})`);
        const countryIssue = item.country === undefined ? null : countryProblem(item.country);
        if (countryIssue) throw invalidFixture(`ad_accounts[${i}].country`, countryIssue);
        const currencyIssue = item.currency === undefined ? null : currencyProblem(item.currency);
        if (currencyIssue) throw invalidFixture(`ad_accounts[${i}].currency`, currencyIssue);
        for (const [j, grant] of (item.roles ?? []).entries()) {
          if (!(await names.known('user', grant.user))) throw invalidFixture(`ad_accounts[${i}].roles[${j}].user`, `names no user (${grant.user})`);
        }
      }
    },
    async write(tx, items, _prepared, { names }) {
      const made: { name: string; id: string }[] = [];
      for (const [i, item] of items.entries()) {
        const ownerId = await names.idOf('user', item.owner, tx);
        const owner = await users.getById(ownerId, tx);
        // Pinterest: only a business account owns ad accounts.
        if (owner?.account_type !== 'BUSINESS') throw invalidFixture(`ad_accounts[${i}].owner`, `${item.owner} is not a business account`);
        const account = await accounts.insert(tx, { ownerId, name: item.name, country: item.country ?? 'US', currency: item.currency ?? 'USD' });
        for (const grant of item.roles ?? []) await accounts.grant(tx, account.id, await names.idOf('user', grant.user, tx), grant.role);
        names.record('ad_account', item.name, account.id);
        made.push({ name: item.name, id: account.id });
      }
      return made;
    },
  });
}
