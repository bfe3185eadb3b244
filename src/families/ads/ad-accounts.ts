import type { AuthContext } from '../../kernel/auth.js';
import type { Clock } from '../../kernel/clock.js';
import { ApiError, invalidField } from '../../kernel/errors.js';
import type { Bookmarks, Page, PageRequest } from '../../kernel/pagination.js';
import type { Database, Queryable } from '../../storage/database.js';
import type { UserStore } from '../user-account/store.js';
import { AdIds } from './ad-ids.js';
import {
  AD_ACCOUNT_ROLES,
  adAccountNotFound,
  allows,
  notPermitted,
  OPERATION_USER_ROLES,
  rolesOn,
  type AccountAccess,
  type AdAccountRole,
  type AdAccountRow,
  type RoleRule,
  type RoleSet,
} from './roles.js';

/** Pinterest: "You can set up up to 50 ad accounts per user" (ad_accounts/create). */
export const AD_ACCOUNTS_PER_USER = 50;

/**
 * Pinterest: the currencies an ad account can hold (the spec's `Currency`, less
 * its `UNK` placeholder). Whether a code is a currency at all is Intl's to say.
 */
const AD_ACCOUNT_CURRENCIES: ReadonlySet<string> = new Set(
  'USD GBP CAD EUR AUD NZD SEK ILS CHF HKD JPY SGD KRW NOK DKK PLN RON HUF CZK BRL MXN ARS CLP COP INR TRY'.split(' '),
);
const ISO_CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));
const REGION_NAMES = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

/** ISO 3166-1 keeps AA, QM..QZ, XA..XZ and ZZ for private use; Intl still names some (ZZ "Unknown Region", XK). */
const PRIVATE_USE_REGION = /^(AA|Q[M-Z]|X[A-Z]|ZZ)$/;

/** ISO 3166-1 also keeps some codes "exceptionally reserved" (AC, TA, EU, UK, …): no country's own, though Intl names them. */
const EXCEPTIONALLY_RESERVED = /^(AC|CP|DG|EA|EU|EZ|FX|IC|SU|TA|UK|UN)$/;
/** Pinterest: its `Country` and `AdCountry` enums hold every assigned code but North Korea's. */
const NOT_PINTEREST_COUNTRIES = new Set(['KP']);

/** Why `country` is not an ISO 3166 alpha-2 country code Pinterest takes, or null (Intl knows the regions). */
export function countryProblem(country: string): string | null {
  if (!/^[A-Z]{2}$/.test(country) || PRIVATE_USE_REGION.test(country) || EXCEPTIONALLY_RESERVED.test(country) || REGION_NAMES.of(country) === undefined) {
    return `${country} is not an ISO 3166-1 alpha-2 country code`;
  }
  if (NOT_PINTEREST_COUNTRIES.has(country)) return `${country} is not a country Pinterest serves ads in`;
  return null;
}

/** Why `currency` cannot be an ad account's, or null. */
export function currencyProblem(currency: string): string | null {
  if (!ISO_CURRENCIES.has(currency)) return `${currency} is not an ISO 4217 currency code`;
  if (!AD_ACCOUNT_CURRENCIES.has(currency)) return `${currency} is not a currency Pinterest ad accounts are kept in (${[...AD_ACCOUNT_CURRENCIES].join(', ')})`;
  return null;
}

export interface AdAccountCreateInput {
  name?: string;
  country?: string;
  currency?: string;
  owner_user_id?: string;
}

/**
 * Ad accounts and the roles on them: who may do what on an account is decided here,
 * for every ads route (through the shared entity mechanism) and for `?ad_account_id=`
 * on the organic routes.
 */
export class AdAccountService {
  constructor(
    private readonly deps: { db: Database; clock: Clock; ids: AdIds; bookmarks: Bookmarks; users: UserStore },
  ) {}

  get(id: string, q: Queryable = this.deps.db): Promise<AdAccountRow | undefined> {
    return q.get<AdAccountRow>('SELECT * FROM ad_accounts WHERE id = ?', [id]);
  }

  /**
   * The account and the caller's roles on it, when they allow `allowed`: 404 for an
   * unknown account, 403 code 29 without a role that allows it.
   */
  async require(userId: string, accountId: string, allowed: RoleSet, q: Queryable = this.deps.db): Promise<AccountAccess> {
    const account = await this.get(accountId, q);
    if (!account) throw adAccountNotFound(accountId);
    const roles = await rolesOn(q, account, userId);
    if (!allows(allowed, roles)) throw notPermitted(accountId, allowed);
    return { account, roles };
  }

  /** The roles other families' operations take for `?ad_account_id=`, by operationId (the organic routes' otherwise). */
  private readonly operationRoles = new Map<string, RoleRule>();

  /** Says which roles may name an ad account on these operations (a family that uses ads, at build). */
  actingRoles(operationIds: readonly string[], rule: RoleRule): void {
    for (const operationId of operationIds) this.operationRoles.set(operationId, rule);
  }

  /**
   * Pinterest: `ad_account_id` on an organic route makes that account's owner the
   * "operation user_account" when the caller holds a role that allows it.
   */
  async operationUser(auth: AuthContext, accountId: string, write: boolean, operationId?: string): Promise<AuthContext> {
    const rule = (operationId === undefined ? undefined : this.operationRoles.get(operationId)) ?? OPERATION_USER_ROLES;
    const { account } = await this.require(auth.userId, accountId, write ? rule.write : rule.read);
    return account.owner_id === auth.userId ? auth : { ...auth, userId: account.owner_id };
  }

  /** Pinterest: only a business account may own an ad account, at most 50 of them. */
  async create(auth: AuthContext, input: AdAccountCreateInput): Promise<AdAccountRow> {
    if (input.owner_user_id !== undefined && input.owner_user_id !== auth.userId) {
      throw new ApiError('not_permitted', `You are not permitted to access that resource. (pinbox: 'owner_user_id' ${input.owner_user_id} is not the token's user.)`);
    }
    const country = input.country ?? 'US';
    const currency = input.currency ?? 'USD';
    const countryIssue = countryProblem(country);
    if (countryIssue) throw invalidField('country', countryIssue);
    const currencyIssue = currencyProblem(currency);
    if (currencyIssue) throw invalidField('currency', currencyIssue);
    return this.deps.db.transaction(async (tx) => {
      const user = await this.deps.users.getById(auth.userId, tx);
      if (!user || user.account_type !== 'BUSINESS') throw new ApiError('business_account_required');
      return this.insert(tx, { ownerId: auth.userId, name: input.name ?? `${user.username}'s ad account`, country, currency });
    });
  }

  /** Writes one ad account (the API's create and fixtures), keeping the per-user limit. */
  async insert(q: Queryable, input: { ownerId: string; name: string; country: string; currency: string }): Promise<AdAccountRow> {
    const owned = await q.get<{ n: number }>('SELECT COUNT(*) AS n FROM ad_accounts WHERE owner_id = ?', [input.ownerId]);
    if (Number(owned?.n ?? 0) >= AD_ACCOUNTS_PER_USER) {
      throw invalidField('owner_user_id', `owns ${AD_ACCOUNTS_PER_USER} ad accounts already, as many as Pinterest allows a user`);
    }
    const now = this.deps.clock.now();
    const row: AdAccountRow = { id: this.deps.ids.next(), owner_id: input.ownerId, name: input.name, country: input.country, currency: input.currency, created_at: now, updated_at: now };
    await q.run('INSERT INTO ad_accounts (id, owner_id, name, country, currency, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      row.id,
      row.owner_id,
      row.name,
      row.country,
      row.currency,
      row.created_at,
      row.updated_at,
    ]);
    return row;
  }

  /** The accounts the user owns and, unless `ownedOnly`, those shared with them (any role), by id. */
  list(userId: string, ownedOnly: boolean, request: PageRequest): Promise<Page<AdAccountRow>> {
    const shared = ownedOnly ? '' : ' OR id IN (SELECT ad_account_id FROM ad_account_roles WHERE user_id = ?)';
    return this.deps.bookmarks.page(`ad_accounts/list:${userId}:${ownedOnly ? 1 : 0}`, request, (row) => row.id, (after, limit) =>
      this.deps.db.all<AdAccountRow>(`SELECT * FROM ad_accounts WHERE (owner_id = ?${shared}) AND id > ? ORDER BY id LIMIT ?`, [
        userId,
        ...(ownedOnly ? [] : [userId]),
        after ?? '',
        limit,
      ]),
    );
  }

  rolesOf(account: AdAccountRow, userId: string, q: Queryable = this.deps.db): Promise<AdAccountRole[]> {
    return rolesOn(q, account, userId);
  }

  /** Grants a role (fixtures, the control plane); granting one held already changes nothing. */
  async grant(q: Queryable, accountId: string, userId: string, role: string): Promise<void> {
    if (!(AD_ACCOUNT_ROLES as readonly string[]).includes(role) || role === 'OWNER') {
      throw invalidField('role', `must be one of ${AD_ACCOUNT_ROLES.filter((r) => r !== 'OWNER').join(', ')} (the owner is the account's owner_user_id)`);
    }
    if (!(await this.get(accountId, q))) throw adAccountNotFound(accountId);
    await q.run('INSERT INTO ad_account_roles (ad_account_id, user_id, role, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', [
      accountId,
      userId,
      role,
      this.deps.clock.now(),
    ]);
  }

  async revoke(q: Queryable, accountId: string, userId: string, role: string): Promise<boolean> {
    return (await q.run('DELETE FROM ad_account_roles WHERE ad_account_id = ? AND user_id = ? AND role = ?', [accountId, userId, role])).changes > 0;
  }

  /**
   * Pinterest: sandbox/delete removes an ad account and all its ads data, in the API
   * sandbox only. Its campaigns, ad groups, ads and roles go with it (foreign keys).
   */
  async deleteInSandbox(auth: AuthContext, accountId: string): Promise<void> {
    if (!auth.sandbox) {
      throw new ApiError(
        'not_permitted',
        'You are not permitted to access that resource. (pinbox: sandbox/delete runs in the API sandbox only: put the app in sandbox mode with `pinbox apps update CLIENT_ID --sandbox`.)',
      );
    }
    await this.deps.db.transaction(async (tx) => {
      await this.require(auth.userId, accountId, ['OWNER'], tx);
      await tx.run('DELETE FROM ad_accounts WHERE id = ?', [accountId]);
    });
  }
}
