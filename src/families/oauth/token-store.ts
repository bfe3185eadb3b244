import type { AuthContext, TokenResolver } from '../../kernel/auth.js';
import { hashToken, newToken } from '../../kernel/auth.js';
import type { Clock } from '../../kernel/clock.js';
import type { Database, Queryable } from '../../storage/database.js';

/** Pinterest: access tokens live 30 days, refresh tokens 60 days (OAuth docs, v5). */
export const TOKEN_LIFETIME_MS = {
  access: 30 * 24 * 3600 * 1000,
  refresh: 60 * 24 * 3600 * 1000,
} as const;

export interface IssuedToken {
  token: string;
  kind: 'access' | 'refresh';
  expiresAt: number;
  scopes: string[];
}

interface TokenRow {
  user_id: string;
  app_id: string;
  scopes: string;
  expires_at: number;
  revoked_at: number | null;
}

/**
 * Tokens at rest: only their SHA-256 is stored, never the token itself.
 * Resolving a presented token is one primary-key lookup.
 */
export class TokenStore implements TokenResolver {
  /**
   * Resolved grants by token hash, so the hot path skips the lookup. Entries are
   * dropped when this process revokes or replaces the token, and live at most
   * CACHE_TTL_MS of real time so that a change made by another process or straight
   * in the store is seen soon. Expiry is checked against the pinbox clock on every use.
   */
  private readonly cache = new Map<string, { auth: AuthContext; expiresAt: number; cachedAt: number }>();
  private static readonly CACHE_TTL_MS = 1000;
  private static readonly CACHE_MAX = 10_000;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  async resolve(token: string): Promise<AuthContext | null> {
    const hash = hashToken(token);
    const cached = this.cache.get(hash);
    if (cached && Date.now() - cached.cachedAt < TokenStore.CACHE_TTL_MS) {
      return cached.expiresAt > this.clock.now() ? cached.auth : null;
    }
    const row = await this.db.get<TokenRow>(
      "SELECT user_id, app_id, scopes, expires_at, revoked_at FROM tokens WHERE token_hash = ? AND kind = 'access'",
      [hash],
    );
    if (!row || row.revoked_at !== null) {
      this.cache.delete(hash);
      return null;
    }
    const auth: AuthContext = { userId: row.user_id, appId: row.app_id, scopes: new Set(row.scopes ? row.scopes.split(',') : []) };
    if (this.cache.size >= TokenStore.CACHE_MAX) this.cache.clear();
    this.cache.set(hash, { auth, expiresAt: Number(row.expires_at), cachedAt: Date.now() });
    return Number(row.expires_at) > this.clock.now() ? auth : null;
  }


  /**
   * Issues a token. `token` fixes the string (the dev token given with --token);
   * issuing a fixed string again replaces its grant and expiry.
   */
  async issue(
    q: Queryable,
    grant: { userId: string; appId: string; scopes: readonly string[]; kind?: 'access' | 'refresh'; token?: string; lifetimeMs?: number },
  ): Promise<IssuedToken> {
    const kind = grant.kind ?? 'access';
    const token = grant.token ?? newToken(kind);
    const now = this.clock.now();
    const expiresAt = now + (grant.lifetimeMs ?? TOKEN_LIFETIME_MS[kind]);
    const hash = hashToken(token);
    this.cache.delete(hash);
    await q.run('DELETE FROM tokens WHERE token_hash = ?', [hash]);
    await q.run(
      'INSERT INTO tokens (token_hash, kind, user_id, app_id, scopes, expires_at, revoked_at, created_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)',
      [hash, kind, grant.userId, grant.appId, grant.scopes.join(','), expiresAt, now],
    );
    return { token, kind, expiresAt, scopes: [...grant.scopes] };
  }

  async revoke(token: string): Promise<boolean> {
    this.cache.delete(hashToken(token));
    const result = await this.db.run('UPDATE tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL', [
      this.clock.now(),
      hashToken(token),
    ]);
    return result.changes > 0;
  }
}
