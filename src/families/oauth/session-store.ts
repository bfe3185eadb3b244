import { hashToken, newOpaqueSecret } from '../../kernel/auth.js';
import type { Clock } from '../../kernel/clock.js';
import type { Database } from '../../storage/database.js';

/** How long a sign-in on the authorize page lasts, on the pinbox clock. */
export const SESSION_LIFETIME_MS = 24 * 3600 * 1000;

/**
 * Browser sessions of the OAuth pages. The cookie holds a random token; the store
 * keeps only its hash, so a copy of the database signs nobody in.
 */
export class SessionStore {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  /** Starts a session for the user and returns the cookie value. */
  async create(userId: string): Promise<string> {
    const token = newOpaqueSecret(32);
    const now = this.clock.now();
    await this.db.run('INSERT INTO web_sessions (session_hash, user_id, expires_at, created_at) VALUES (?, ?, ?, ?)', [
      hashToken(token),
      userId,
      now + SESSION_LIFETIME_MS,
      now,
    ]);
    return token;
  }

  /** The signed-in user's id, or null when the session is unknown or over. */
  async userOf(token: string): Promise<string | null> {
    const row = await this.db.get<{ user_id: string; expires_at: number }>(
      'SELECT user_id, expires_at FROM web_sessions WHERE session_hash = ?',
      [hashToken(token)],
    );
    return row && Number(row.expires_at) > this.clock.now() ? row.user_id : null;
  }

  async end(token: string): Promise<void> {
    await this.db.run('DELETE FROM web_sessions WHERE session_hash = ?', [hashToken(token)]);
  }
}
