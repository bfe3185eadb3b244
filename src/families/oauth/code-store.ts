import { hashToken } from '../../kernel/auth.js';
import type { Clock } from '../../kernel/clock.js';
import type { Queryable } from '../../storage/database.js';

/** Pinterest: an authorization code must be exchanged within 10 minutes (RFC 6749 §4.1.2 recommends at most that). */
export const CODE_LIFETIME_MS = 10 * 60 * 1000;

export interface AuthorizationCode {
  hash: string;
  grantId: string;
  appId: string;
  userId: string;
  redirectUri: string;
  scopes: string[];
  /** The PKCE S256 challenge given on the authorize page, if any. */
  codeChallenge: string | null;
  expiresAt: number;
  usedAt: number | null;
}

interface CodeRow {
  code_hash: string;
  grant_id: string;
  app_id: string;
  user_id: string;
  redirect_uri: string;
  scopes: string;
  code_challenge: string | null;
  expires_at: number;
  used_at: number | null;
}

/** Authorization codes, stored as hashes; a redeemed code is kept (marked used) so a replay can be recognised. */
export class CodeStore {
  constructor(private readonly clock: Clock) {}

  async create(
    q: Queryable,
    code: string,
    grant: { grantId: string; appId: string; userId: string; redirectUri: string; scopes: readonly string[]; codeChallenge: string | null },
  ): Promise<void> {
    const now = this.clock.now();
    await q.run(
      `INSERT INTO authorization_codes (code_hash, grant_id, app_id, user_id, redirect_uri, scopes, code_challenge, expires_at, used_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
      [hashToken(code), grant.grantId, grant.appId, grant.userId, grant.redirectUri, grant.scopes.join(','), grant.codeChallenge, now + CODE_LIFETIME_MS, now],
    );
  }

  async find(q: Queryable, code: string): Promise<AuthorizationCode | null> {
    const row = await q.get<CodeRow>(
      'SELECT code_hash, grant_id, app_id, user_id, redirect_uri, scopes, code_challenge, expires_at, used_at FROM authorization_codes WHERE code_hash = ?',
      [hashToken(code)],
    );
    if (!row) return null;
    return {
      hash: row.code_hash,
      grantId: row.grant_id,
      appId: row.app_id,
      userId: row.user_id,
      redirectUri: row.redirect_uri,
      scopes: row.scopes ? row.scopes.split(',') : [],
      codeChallenge: row.code_challenge,
      expiresAt: Number(row.expires_at),
      usedAt: row.used_at === null ? null : Number(row.used_at),
    };
  }

  /** Marks the code redeemed; true only for the first caller. */
  async redeem(q: Queryable, hash: string): Promise<boolean> {
    const result = await q.run('UPDATE authorization_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL', [this.clock.now(), hash]);
    return result.changes > 0;
  }
}
