import { randomBytes } from 'node:crypto';
import { hashToken, safeEqual } from '../../kernel/auth.js';
import type { Clock } from '../../kernel/clock.js';
import { pinterestTimestamp } from '../../kernel/clock.js';
import type { Database, Queryable } from '../../storage/database.js';

export type AccessTier = 'trial' | 'standard';

export interface App {
  id: string;
  name: string;
  ownerUserId: string;
  tier: AccessTier;
}

interface AppRow {
  id: string;
  name: string;
  owner_user_id: string;
  tier: AccessTier;
  secret_hash: string;
}

/** A new client secret: 40 hex characters, like the secrets Pinterest shows in its app console. */
export function newClientSecret(): string {
  return randomBytes(20).toString('hex');
}

const FIRST_APP_ID = 1500001;

/** Developer apps. Client secrets are stored hashed and compared in constant time. */
export class AppStore {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  async create(q: Queryable, app: { name: string; ownerUserId: string; tier?: AccessTier; secret: string; id?: string }): Promise<App> {
    // Pinterest: app (client) ids are 7-digit numeric strings, shorter than object ids.
    const id = app.id ?? (await this.nextAppId(q));
    await q.run('INSERT INTO apps (id, name, owner_user_id, secret_hash, tier, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
      id,
      app.name,
      app.ownerUserId,
      hashToken(app.secret),
      app.tier ?? 'trial',
      pinterestTimestamp(this.clock.now()),
    ]);
    return { id, name: app.name, ownerUserId: app.ownerUserId, tier: app.tier ?? 'trial' };
  }

  private async nextAppId(q: Queryable): Promise<string> {
    const row = await q.get<{ top: number | null }>('SELECT MAX(CAST(id AS INTEGER)) AS top FROM apps');
    return String(Math.max(Number(row?.top ?? 0), FIRST_APP_ID - 1) + 1);
  }

  async get(id: string, q: Queryable = this.db): Promise<App | null> {
    const row = await q.get<AppRow>('SELECT id, name, owner_user_id, tier, secret_hash FROM apps WHERE id = ?', [id]);
    return row ? { id: row.id, name: row.name, ownerUserId: row.owner_user_id, tier: row.tier } : null;
  }

  async findByOwner(ownerUserId: string, name: string, q: Queryable = this.db): Promise<App | null> {
    const row = await q.get<AppRow>('SELECT id, name, owner_user_id, tier, secret_hash FROM apps WHERE owner_user_id = ? AND name = ?', [
      ownerUserId,
      name,
    ]);
    return row ? { id: row.id, name: row.name, ownerUserId: row.owner_user_id, tier: row.tier } : null;
  }

  async setSecret(q: Queryable, id: string, secret: string): Promise<void> {
    await q.run('UPDATE apps SET secret_hash = ? WHERE id = ?', [hashToken(secret), id]);
  }

  /** True when `secret` is the app's client secret; constant-time. */
  async checkSecret(id: string, secret: string): Promise<boolean> {
    const row = await this.db.get<AppRow>('SELECT secret_hash FROM apps WHERE id = ?', [id]);
    return safeEqual(row?.secret_hash ?? '', hashToken(secret)) && row !== undefined;
  }
}
