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
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  async resolve(token: string): Promise<AuthContext | null> {
    const row = await this.db.get<TokenRow>(
      "SELECT user_id, app_id, scopes, expires_at, revoked_at FROM tokens WHERE token_hash = ? AND kind = 'access'",
      [hashToken(token)],
    );
    if (!row || row.revoked_at !== null || Number(row.expires_at) <= this.clock.now()) return null;
    return { userId: row.user_id, appId: row.app_id, scopes: new Set(row.scopes ? row.scopes.split(',') : []) };
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
    await q.run('DELETE FROM tokens WHERE token_hash = ?', [hash]);
    await q.run(
      'INSERT INTO tokens (token_hash, kind, user_id, app_id, scopes, expires_at, revoked_at, created_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)',
      [hash, kind, grant.userId, grant.appId, grant.scopes.join(','), expiresAt, now],
    );
    return { token, kind, expiresAt, scopes: [...grant.scopes] };
  }

  async revoke(token: string): Promise<boolean> {
    const result = await this.db.run('UPDATE tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL', [
      this.clock.now(),
      hashToken(token),
    ]);
    return result.changes > 0;
  }
}
