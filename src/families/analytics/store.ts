import { randomInt } from 'node:crypto';
import type { Database, Queryable, SqlValue } from '../../storage/database.js';
import { assertTransaction } from '../../storage/database.js';
import type { PinFormat } from './model.js';

/** A Pin as the generator sees it. */
export interface SeriesPinRow {
  id: string;
  created_at: string;
  creative_type: string;
}

export interface PinDayValue {
  pin_id: string;
  day: string;
  metric: string;
  value: number;
}

export interface UserDayRow {
  day: string;
  format: PinFormat;
  /** The day's counters as a JSON array in COUNTERS order. */
  totals: string;
}

/** A change to a user's totals not yet folded into the materialized days (logged by triggers, see migration 6). */
export interface ChangeRow {
  seq: number;
  kind: 'add' | 'remove' | 'delta';
  pin_id: string;
  created_at: string | null;
  creative_type: string;
  day: string | null;
  metric: string | null;
  delta: number | null;
}

const SEED_KEY = 'analytics_seed';

/** The instance seed as stored (inside the caller's transaction), or null before the analytics family first started. */
export async function storedSeed(q: Queryable): Promise<number | null> {
  const row = await q.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [SEED_KEY]);
  return row ? Number(row.value) : null;
}

function inList(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}

/** Analytics state: the instance seed, real events, fixed figures and materialized per-user daily totals. */
export class AnalyticsStore {
  constructor(private readonly db: Database) {}

  /**
   * The instance seed of the generator: made at random on first start, or set (a
   * changed seed makes every materialized total stale, so they go with it).
   */
  async seed(wanted?: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      const row = await tx.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [SEED_KEY]);
      if (row && (wanted === undefined || Number(row.value) === wanted)) return Number(row.value);
      const seed = wanted ?? randomInt(1, 2 ** 31 - 1);
      if (row) {
        await tx.run('UPDATE meta SET value = ? WHERE key = ?', [String(seed), SEED_KEY]);
        await tx.run('DELETE FROM analytics_user_days');
        await tx.run('DELETE FROM analytics_changes');
      } else {
        await tx.run('INSERT INTO meta (key, value) VALUES (?, ?)', [SEED_KEY, String(seed)]);
      }
      return seed;
    });
  }

  /** Every Pin a user owns, as the generator needs them. */
  pinsOf(userId: string, q: Queryable = this.db): Promise<SeriesPinRow[]> {
    return q.all<SeriesPinRow>('SELECT id, created_at, creative_type FROM pins WHERE owner_id = ?', [userId]);
  }

  /** A user's Pins that may appear in their top Pins: secret ones only when the token may read them. */
  topCandidates(userId: string, withSecret: boolean): Promise<SeriesPinRow[]> {
    return this.db.all<SeriesPinRow>(
      `SELECT p.id, p.created_at, p.creative_type FROM pins p JOIN boards b ON b.id = p.board_id
       WHERE p.owner_id = ? AND b.privacy IN ('PUBLIC', 'PROTECTED'${withSecret ? ", 'SECRET'" : ''})`,
      [userId],
    );
  }

  /** Real events and fixed figures of a user's Pins (or of the Pins given) between two days. */
  async adjustments(
    scope: { userId: string } | { pinIds: readonly string[] },
    from: string,
    to: string,
    q: Queryable = this.db,
  ): Promise<{ events: PinDayValue[]; overrides: PinDayValue[] }> {
    const [where, params]: [string, SqlValue[]] =
      'userId' in scope
        ? ['pin_id IN (SELECT id FROM pins WHERE owner_id = ?)', [scope.userId]]
        : [`pin_id IN (${inList(scope.pinIds)})`, [...scope.pinIds]];
    if ('pinIds' in scope && scope.pinIds.length === 0) return { events: [], overrides: [] };
    const range = 'AND day >= ? AND day <= ?';
    const events = await q.all<PinDayValue>(`SELECT pin_id, day, metric, count AS value FROM analytics_pin_events WHERE ${where} ${range}`, [
      ...params,
      from,
      to,
    ]);
    const overrides = await q.all<PinDayValue>(`SELECT pin_id, day, metric, value FROM analytics_overrides WHERE ${where} ${range}`, [...params, from, to]);
    return { events, overrides };
  }

  async setOverride(tx: Queryable, pinId: string, day: string, metric: string, value: number | null): Promise<void> {
    assertTransaction(tx);
    if (value === null) {
      await tx.run('DELETE FROM analytics_overrides WHERE pin_id = ? AND day = ? AND metric = ?', [pinId, day, metric]);
      return;
    }
    await tx.run(
      `INSERT INTO analytics_overrides (pin_id, day, metric, value) VALUES (?, ?, ?, ?)
       ON CONFLICT (pin_id, day, metric) DO UPDATE SET value = excluded.value`,
      [pinId, day, metric, value],
    );
  }

  /** Forgets the events and fixed figures of a Pin that is gone (once its removal is folded in). */
  async forgetPin(tx: Queryable, pinId: string): Promise<void> {
    assertTransaction(tx);
    await tx.run('DELETE FROM analytics_pin_events WHERE pin_id = ?', [pinId]);
    await tx.run('DELETE FROM analytics_overrides WHERE pin_id = ?', [pinId]);
  }

  // Materialized per-user daily totals

  userDays(userId: string, from: string, to: string, q: Queryable = this.db): Promise<UserDayRow[]> {
    return q.all<UserDayRow>('SELECT day, format, totals FROM analytics_user_days WHERE user_id = ? AND day >= ? AND day <= ?', [userId, from, to]);
  }

  async isMaterialized(userId: string, q: Queryable = this.db): Promise<boolean> {
    return (await q.get('SELECT 1 AS one FROM analytics_user_days WHERE user_id = ? LIMIT 1', [userId])) !== undefined;
  }

  async hasChanges(userId: string, q: Queryable = this.db): Promise<boolean> {
    return (await q.get('SELECT 1 AS one FROM analytics_changes WHERE user_id = ? LIMIT 1', [userId])) !== undefined;
  }

  async allUserDays(tx: Queryable, userId: string): Promise<UserDayRow[]> {
    assertTransaction(tx);
    return tx.all<UserDayRow>('SELECT day, format, totals FROM analytics_user_days WHERE user_id = ?', [userId]);
  }

  async writeUserDay(tx: Queryable, userId: string, row: UserDayRow): Promise<void> {
    assertTransaction(tx);
    await tx.run(
      `INSERT INTO analytics_user_days (user_id, day, format, totals) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id, day, format) DO UPDATE SET totals = excluded.totals`,
      [userId, row.day, row.format, row.totals],
    );
  }

  /** The changes logged for a user, oldest first, and forgets them (the caller folds them in, in the same transaction). */
  async takeChanges(tx: Queryable, userId: string): Promise<ChangeRow[]> {
    assertTransaction(tx);
    const rows = await tx.all<ChangeRow>(
      'SELECT seq, kind, pin_id, created_at, creative_type, day, metric, delta FROM analytics_changes WHERE user_id = ? ORDER BY seq',
      [userId],
    );
    if (rows.length) await tx.run('DELETE FROM analytics_changes WHERE user_id = ?', [userId]);
    return rows;
  }

  /** Logs a change of a fixed figure, to be folded into the owner's totals like a trigger's change. */
  async logDelta(tx: Queryable, userId: string, pin: { id: string; creative_type: string }, day: string, metric: string, delta: number): Promise<void> {
    assertTransaction(tx);
    if (!(await this.isMaterialized(userId, tx))) return;
    await tx.run(
      `INSERT INTO analytics_changes (user_id, kind, pin_id, creative_type, day, metric, delta) VALUES (?, 'delta', ?, ?, ?, ?, ?)`,
      [userId, pin.id, pin.creative_type, day, metric, delta],
    );
  }
}
