import { randomBytes } from 'node:crypto';
import { hashToken, safeEqual, type ClientAuthenticator, type ClientContext } from '../../kernel/auth.js';
import type { Clock } from '../../kernel/clock.js';
import { pinterestTimestamp } from '../../kernel/clock.js';
import type { AccessTier } from '../../kernel/rate-limits/tiers.js';
import type { Database, Queryable } from '../../storage/database.js';

export interface App {
  id: string;
  name: string;
  ownerUserId: string;
  tier: AccessTier;
  /** Calls the API sandbox (true) or production (false, the default). */
  sandbox: boolean;
}

interface AppRow {
  id: string;
  name: string;
  owner_user_id: string;
  tier: AccessTier;
  sandbox: number;
}

/** A new client secret: 40 hex characters, like the secrets Pinterest shows in its app console. */
export function newClientSecret(): string {
  return randomBytes(20).toString('hex');
}

/**
 * Checks a redirect URI before it is registered. Pinterest: redirect URIs are
 * absolute URLs registered in the app console and matched exactly; a fragment
 * is not allowed (RFC 6749 §3.1.2).
 * @returns a description of what is wrong, or null when it is fine.
 */
export function redirectUriProblem(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL';
  if (uri.includes('#')) return 'must not contain a fragment';
  if (uri.length > 2048) return 'must be at most 2048 characters';
  return null;
}

const FIRST_APP_ID = 1500001;
const APP_COLUMNS = 'id, name, owner_user_id, tier, sandbox';

function toApp(row: AppRow): App {
  return { id: row.id, name: row.name, ownerUserId: row.owner_user_id, tier: row.tier, sandbox: row.sandbox === 1 };
}

/**
 * Developer apps and their registered redirect URIs. Client secrets are stored
 * hashed and compared in constant time.
 */
export class AppStore implements ClientAuthenticator {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  async create(
    q: Queryable,
    app: { name: string; ownerUserId: string; tier?: AccessTier; sandbox?: boolean; secret: string; id?: string },
  ): Promise<App> {
    // Pinterest: app (client) ids are 7-digit numeric strings, shorter than object ids.
    const id = app.id ?? (await this.nextAppId(q));
    const tier = app.tier ?? 'trial';
    const sandbox = app.sandbox ?? false;
    await q.run('INSERT INTO apps (id, name, owner_user_id, secret_hash, tier, sandbox, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      id,
      app.name,
      app.ownerUserId,
      hashToken(app.secret),
      tier,
      sandbox ? 1 : 0,
      pinterestTimestamp(this.clock.now()),
    ]);
    return { id, name: app.name, ownerUserId: app.ownerUserId, tier, sandbox };
  }

  /** Changes an app's access tier or environment; its tokens carry the change from their next resolve. */
  async setAccess(q: Queryable, id: string, access: { tier?: AccessTier; sandbox?: boolean }): Promise<void> {
    if (access.tier !== undefined) await q.run('UPDATE apps SET tier = ? WHERE id = ?', [access.tier, id]);
    if (access.sandbox !== undefined) await q.run('UPDATE apps SET sandbox = ? WHERE id = ?', [access.sandbox ? 1 : 0, id]);
  }

  private async nextAppId(q: Queryable): Promise<string> {
    const row = await q.get<{ top: number | null }>('SELECT MAX(CAST(id AS INTEGER)) AS top FROM apps');
    return String(Math.max(Number(row?.top ?? 0), FIRST_APP_ID - 1) + 1);
  }

  async get(id: string, q: Queryable = this.db): Promise<App | null> {
    const row = await q.get<AppRow>(`SELECT ${APP_COLUMNS} FROM apps WHERE id = ?`, [id]);
    return row ? toApp(row) : null;
  }

  async findByOwner(ownerUserId: string, name: string, q: Queryable = this.db): Promise<App | null> {
    const row = await q.get<AppRow>(`SELECT ${APP_COLUMNS} FROM apps WHERE owner_user_id = ? AND name = ?`, [ownerUserId, name]);
    return row ? toApp(row) : null;
  }

  /** The oldest app, when the store has one. */
  async findAny(q: Queryable = this.db): Promise<App | null> {
    const row = await q.get<AppRow>(`SELECT ${APP_COLUMNS} FROM apps ORDER BY created_at, id LIMIT 1`);
    return row ? toApp(row) : null;
  }

  async setSecret(q: Queryable, id: string, secret: string): Promise<void> {
    await q.run('UPDATE apps SET secret_hash = ? WHERE id = ?', [hashToken(secret), id]);
  }

  /** Registers a redirect URI for the app; registering one twice is a no-op. */
  async addRedirectUri(q: Queryable, appId: string, uri: string): Promise<void> {
    await q.run('INSERT INTO app_redirect_uris (app_id, uri, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [
      appId,
      uri,
      this.clock.now(),
    ]);
  }

  async redirectUris(appId: string, q: Queryable = this.db): Promise<string[]> {
    const rows = await q.all<{ uri: string }>('SELECT uri FROM app_redirect_uris WHERE app_id = ? ORDER BY created_at, uri', [appId]);
    return rows.map((row) => row.uri);
  }

  /** True when `uri` is registered for the app, character for character. */
  async hasRedirectUri(appId: string, uri: string): Promise<boolean> {
    const row = await this.db.get('SELECT 1 AS found FROM app_redirect_uris WHERE app_id = ? AND uri = ?', [appId, uri]);
    return row !== undefined;
  }

  /**
   * Client authentication for the token endpoints. The stored hash is compared in
   * constant time, and an unknown client id costs the same comparison.
   */
  async authenticate(clientId: string, secret: string): Promise<ClientContext | null> {
    const row = /^\d{1,20}$/.test(clientId)
      ? await this.db.get<{ secret_hash: string; tier: AccessTier }>('SELECT secret_hash, tier FROM apps WHERE id = ?', [clientId])
      : undefined;
    const matches = safeEqual(row?.secret_hash ?? '', hashToken(secret));
    return row && matches ? { appId: clientId, tier: row.tier } : null;
  }
}
