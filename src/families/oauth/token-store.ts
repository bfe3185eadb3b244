import type { AuthContext, TokenResolver } from '../../kernel/auth.js';
import { hashToken, newToken } from '../../kernel/auth.js';
import type { Clock } from '../../kernel/clock.js';
import type { AccessTier } from '../../kernel/rate-limits/tiers.js';
import type { CacheInvalidations } from '../../kernel/cache-invalidations.js';
import { assertTransaction, type Database, type Queryable } from '../../storage/database.js';

/** The topic of resolved token grants (keyed by token hash) in `CacheInvalidations`. */
export const TOKENS_TOPIC = 'tokens';

/** Pinterest: access tokens live 30 days, continuous refresh tokens 60 days (OAuth docs, v5). */
export const TOKEN_LIFETIME_MS = {
  access: 30 * 24 * 3600 * 1000,
  refresh: 60 * 24 * 3600 * 1000,
} as const;

export type TokenKind = 'access' | 'refresh';

/**
 * How a token came to be: by the token endpoint's grant types, or `pinbox` for
 * tokens pinbox itself issued (the dev token, `admin.issueToken`).
 */
export type TokenOrigin = 'authorization_code' | 'refresh_token' | 'client_credentials' | 'pinbox';

export interface IssuedToken {
  token: string;
  kind: TokenKind;
  expiresAt: number;
  scopes: string[];
}

/** A stored token, as the token endpoint and the token inspector see it. */
export interface TokenRecord {
  hash: string;
  kind: TokenKind;
  userId: string;
  appId: string;
  scopes: string[];
  expiresAt: number;
  revokedAt: number | null;
  usedAt: number | null;
  createdAt: number;
  grantId: string | null;
  origin: TokenOrigin;
}

interface TokenRow {
  token_hash: string;
  kind: TokenKind;
  user_id: string;
  app_id: string;
  scopes: string;
  expires_at: number;
  revoked_at: number | null;
  used_at: number | null;
  created_at: number;
  grant_id: string | null;
  grant_type: TokenOrigin;
}

const TOKEN_COLUMNS = 'token_hash, kind, user_id, app_id, scopes, expires_at, revoked_at, used_at, created_at, grant_id, grant_type';

const RESOLVE_SQL = `SELECT t.user_id, t.app_id, t.scopes, t.expires_at, t.revoked_at, a.tier, a.sandbox
  FROM tokens t JOIN apps a ON a.id = t.app_id
  WHERE t.token_hash = ? AND t.kind = 'access'`;

function splitScopes(text: string): string[] {
  return text ? text.split(',') : [];
}

function toRecord(row: TokenRow): TokenRecord {
  return {
    hash: row.token_hash,
    kind: row.kind,
    userId: row.user_id,
    appId: row.app_id,
    scopes: splitScopes(row.scopes),
    expiresAt: Number(row.expires_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    usedAt: row.used_at === null ? null : Number(row.used_at),
    createdAt: Number(row.created_at),
    grantId: row.grant_id,
    origin: row.grant_type,
  };
}

/**
 * Tokens at rest: only their SHA-256 is stored, never the token itself.
 * Resolving a presented token is one primary-key lookup. Tokens that come from
 * one authorization (a code, then every refresh after it) share a `grant_id`, so
 * the whole chain can be revoked at once.
 */
export class TokenStore implements TokenResolver {
  /**
   * Resolved grants by token hash, so the hot path skips the lookup. Entries are
   * dropped in every process once a revocation, replacement or app change commits
   * (`invalidations`, through Redis with several processes), and on any process's
   * next call after a CLI command wrote to the store (`externalWrites`). They live at
   * most CACHE_TTL_MS of real time besides, for a change made straight in the store
   * (or one Redis could not carry). Expiry is checked against the pinbox clock on every use.
   */
  private readonly cache = new Map<string, { auth: AuthContext; expiresAt: number; cachedAt: number }>();
  /** The store's count of other processes' writes when the cache was last known good. */
  private writesSeen = -1;
  private static readonly CACHE_TTL_MS = 1000;
  private static readonly CACHE_MAX = 10_000;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly invalidations: CacheInvalidations,
  ) {
    invalidations.on(TOKENS_TOPIC, (dropped) => {
      if (dropped === 'all') this.cache.clear();
      else for (const hash of dropped) this.cache.delete(hash);
    });
  }

  resolve(token: string): AuthContext | null | Promise<AuthContext | null> {
    const hash = hashToken(token);
    // A CLI command (apps update, users create) on this store from another process: what is cached may be stale.
    const writes = this.db.externalWrites();
    if (writes !== this.writesSeen) {
      this.writesSeen = writes;
      this.cache.clear();
    }
    // Deaf to the other processes' revocations for now (Redis away): ask the store every time.
    if (!this.invalidations.listening) return this.lookup(hash);
    const cached = this.cache.get(hash);
    if (cached && Date.now() - cached.cachedAt < TokenStore.CACHE_TTL_MS) {
      return cached.expiresAt > this.clock.now() ? cached.auth : null;
    }
    return this.lookup(hash);
  }

  private async lookup(hash: string): Promise<AuthContext | null> {
    // The app's tier and environment come along: rate limits and trial refusals read them on every call.
    const row = await this.db.get<TokenRow & { tier: AccessTier; sandbox: number }>(RESOLVE_SQL, [hash]);
    if (!row || row.revoked_at !== null) {
      this.cache.delete(hash);
      return null;
    }
    const auth: AuthContext = {
      userId: row.user_id,
      appId: row.app_id,
      scopes: new Set(splitScopes(row.scopes)),
      tier: row.tier,
      sandbox: row.sandbox === 1,
      callerKey: `${row.app_id}:${row.user_id}`,
    };
    if (this.cache.size >= TokenStore.CACHE_MAX) this.cache.clear();
    this.cache.set(hash, { auth, expiresAt: Number(row.expires_at), cachedAt: Date.now() });
    return Number(row.expires_at) > this.clock.now() ? auth : null;
  }

  /** Drops every grant this process cached (after a reset or restore, which every process hears of). */
  forgetCached(): void {
    this.cache.clear();
  }

  /** Drops every cached grant in every process, so a change to an app (tier, environment) is seen on the next call to any. */
  forgetCachedEverywhere(): Promise<void> {
    return this.invalidations.drop(TOKENS_TOPIC, 'all');
  }

  /**
   * Drops the grants of `hashes` here now (so this process does not keep serving
   * them while the change commits) and, once it has committed, in every process.
   */
  private dropOnCommit(q: Queryable, hashes: string[]): void {
    assertTransaction(q);
    for (const hash of hashes) this.cache.delete(hash);
    if (hashes.length > 0) q.afterCommit(() => this.invalidations.drop(TOKENS_TOPIC, hashes));
  }

  /**
   * Issues a token. `token` fixes the string (the dev token given with --token);
   * issuing a fixed string again replaces its grant and expiry.
   */
  async issue(
    q: Queryable,
    grant: {
      userId: string;
      appId: string;
      scopes: readonly string[];
      kind?: TokenKind;
      token?: string;
      lifetimeMs?: number;
      grantId?: string | null;
      origin?: TokenOrigin;
    },
  ): Promise<IssuedToken> {
    const kind = grant.kind ?? 'access';
    const token = grant.token ?? newToken(kind);
    const now = this.clock.now();
    const expiresAt = now + (grant.lifetimeMs ?? TOKEN_LIFETIME_MS[kind]);
    const hash = hashToken(token);
    // Only a fixed string (the dev token, a fixture's) can have been issued before and cached.
    if (grant.token !== undefined) this.dropOnCommit(q, [hash]);
    await q.run('DELETE FROM tokens WHERE token_hash = ?', [hash]);
    await q.run(
      `INSERT INTO tokens (token_hash, kind, user_id, app_id, scopes, expires_at, revoked_at, used_at, created_at, grant_id, grant_type)
       VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?)`,
      [hash, kind, grant.userId, grant.appId, grant.scopes.join(','), expiresAt, now, grant.grantId ?? null, grant.origin ?? 'pinbox'],
    );
    return { token, kind, expiresAt, scopes: [...grant.scopes] };
  }

  /** The stored record of a presented token (any kind, any state), or null. */
  async find(token: string, q: Queryable = this.db): Promise<TokenRecord | null> {
    const row = await q.get<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE token_hash = ?`, [hashToken(token)]);
    return row ? toRecord(row) : null;
  }

  /**
   * Marks a refresh token as spent, once: true for the one caller that wins, false
   * when it was spent or revoked already (so two concurrent refreshes with one
   * token cannot both succeed).
   */
  async spend(q: Queryable, hash: string): Promise<boolean> {
    const result = await q.run('UPDATE tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND revoked_at IS NULL', [
      this.clock.now(),
      hash,
    ]);
    return result.changes > 0;
  }

  /** Puts a token that has no grant (stored before grants were recorded) into `grantId`. */
  async joinGrant(q: Queryable, hash: string, grantId: string): Promise<void> {
    await q.run('UPDATE tokens SET grant_id = ? WHERE token_hash = ? AND grant_id IS NULL', [grantId, hash]);
  }

  /** Revokes one token by its hash; false when it was revoked already or unknown. */
  async revokeHash(q: Queryable, hash: string): Promise<boolean> {
    this.dropOnCommit(q, [hash]);
    const result = await q.run('UPDATE tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL', [this.clock.now(), hash]);
    return result.changes > 0;
  }

  /** Revokes every token of one authorization (the code's tokens and every refresh after them). */
  async revokeGrant(q: Queryable, grantId: string): Promise<number> {
    // One statement revokes them and names them (both engines have RETURNING).
    const rows = await q.all<{ token_hash: string }>('UPDATE tokens SET revoked_at = ? WHERE grant_id = ? AND revoked_at IS NULL RETURNING token_hash', [
      this.clock.now(),
      grantId,
    ]);
    this.dropOnCommit(q, rows.map((row) => row.token_hash));
    return rows.length;
  }
}
