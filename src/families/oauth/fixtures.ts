import { parseDuration } from '../../kernel/duration.js';
import { ACCESS_TIERS } from '../../kernel/rate-limits/tiers.js';
import { ALL_SCOPES, isScope } from '../../kernel/scopes.js';
import { defineFixtureSection, invalidFixture, type FixtureNames } from '../fixture-section.js';
import { newClientSecret, type AppStore } from './app-store.js';
import { DEV_APP_NAME } from './dev-identity.js';
import type { TokenStore } from './token-store.js';

/** An app of a fixture file; tokens name it by `name`. */
export interface AppFixture {
  name: string;
  owner?: string;
  id?: string;
  secret?: string;
  redirect_uris?: string[];
  tier?: 'trial' | 'standard';
  sandbox?: boolean;
}

/** A token of a fixture file; without `app` it is the dev app's. */
export interface TokenFixture {
  user: string;
  app?: string;
  scopes?: string[];
  token?: string;
  expires_in?: string | number;
}

const list = (items: object) => ({ type: 'array', items }) as const;

async function knownUser(names: FixtureNames, username: string, path: string): Promise<void> {
  if (!(await names.known('user', username))) throw invalidFixture(path, `names no user of the fixture or of pinbox (${username})`);
}

/** The fixture's `apps` (kind `app`, known within the fixture only) and `tokens`. */
export function oauthFixtures(apps: AppStore, tokens: TokenStore) {
  const appSection = defineFixtureSection({
    key: 'apps',
    item: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 100 },
        owner: { type: 'string' },
        // Pinterest: app (client) ids are 7-digit numbers.
        id: { type: 'string', pattern: '^\\d{7}$' },
        secret: { type: 'string', minLength: 8, maxLength: 200 },
        redirect_uris: list({ type: 'string', minLength: 1 }),
        tier: { enum: [...ACCESS_TIERS] },
        sandbox: { type: 'boolean' },
      },
    },
    async check(items: readonly AppFixture[], { names, dev }) {
      for (const [i, app] of items.entries()) {
        if (!names.declare('app', app.name)) throw invalidFixture(`apps[${i}].name`, `${app.name} appears twice`);
        if (app.owner !== undefined) await knownUser(names, app.owner, `apps[${i}].owner`);
        else if (!dev) throw invalidFixture(`apps[${i}].owner`, 'is required: this pinbox has no dev user');
        if (app.id !== undefined && (await apps.get(app.id))) throw invalidFixture(`apps[${i}].id`, `${app.id} is taken`);
        for (const [j, uri] of (app.redirect_uris ?? []).entries()) {
          if (!/^https?:\/\/[^\s#]+$/.test(uri)) throw invalidFixture(`apps[${i}].redirect_uris[${j}]`, 'must be an http(s) URL without a fragment');
        }
      }
    },
    async write(tx, items, _prepared, { names, dev }) {
      const made: { name: string; id: string; secret: string }[] = [];
      for (const app of items) {
        const secret = app.secret ?? newClientSecret();
        const ownerUserId = app.owner !== undefined ? await names.idOf('user', app.owner, tx) : dev!.userId;
        const row = await apps.create(tx, { name: app.name, ownerUserId, tier: app.tier, sandbox: app.sandbox, secret, id: app.id });
        for (const uri of app.redirect_uris ?? []) await apps.addRedirectUri(tx, row.id, uri);
        names.record('app', app.name, row.id);
        made.push({ name: app.name, id: row.id, secret });
      }
      return made;
    },
  });

  const tokenSection = defineFixtureSection({
    key: 'tokens',
    item: {
      type: 'object',
      additionalProperties: false,
      required: ['user'],
      properties: {
        user: { type: 'string' },
        app: { type: 'string' },
        scopes: list({ type: 'string' }),
        token: { type: 'string', pattern: '^[A-Za-z0-9_-]{16,200}$' },
        expires_in: { type: ['string', 'integer'] },
      },
    },
    async check(items: readonly TokenFixture[], { names, dev }) {
      const lifetimes: (number | undefined)[] = [];
      for (const [i, token] of items.entries()) {
        await knownUser(names, token.user, `tokens[${i}].user`);
        if (token.app !== undefined && !names.declared('app', token.app)) throw invalidFixture(`tokens[${i}].app`, `names no app of the fixture (${token.app})`);
        if (token.app === undefined && !dev?.appId) throw invalidFixture(`tokens[${i}].app`, 'is required: this pinbox has no dev app');
        for (const [j, scope] of (token.scopes ?? []).entries()) if (!isScope(scope)) throw invalidFixture(`tokens[${i}].scopes[${j}]`, `is not a Pinterest scope (${scope})`);
        let lifetime: number | undefined;
        if (token.expires_in !== undefined) {
          try {
            lifetime = parseDuration(token.expires_in);
          } catch {
            throw invalidFixture(`tokens[${i}].expires_in`, 'must be milliseconds or a duration like 30d, 12h');
          }
        }
        lifetimes.push(lifetime);
      }
      return lifetimes;
    },
    async write(tx, items, lifetimes, { names, dev }) {
      const made: { user: string; app: string; token: string; scopes: string[]; expires_at: number }[] = [];
      for (const [i, token] of items.entries()) {
        const appId = token.app !== undefined ? await names.idOf('app', token.app, tx) : dev!.appId!;
        const scopes = token.scopes ?? [...ALL_SCOPES];
        const issued = await tokens.issue(tx, { userId: await names.idOf('user', token.user, tx), appId, scopes, token: token.token, lifetimeMs: lifetimes[i] });
        made.push({ user: token.user, app: token.app ?? DEV_APP_NAME, token: issued.token, scopes, expires_at: issued.expiresAt });
      }
      return made;
    },
  });

  return [appSection, tokenSection] as const;
}
