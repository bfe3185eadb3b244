import { ApiError } from '../kernel/errors.js';
import { ALL_SCOPES } from '../kernel/scopes.js';
import type { SqlValue, Transaction } from '../storage/database.js';
import { findDev, forgetProcessState, type ControlDeps } from './deps.js';
import { insertRows, quoteName, stateTables, userColumnsOf, withoutTriggers, type StateTable } from './tables.js';

/**
 * Tables that say who a user is and how they sign in, not what they made: a user's
 * reset keeps them. Every other table that references users(id) is the user's content.
 */
const IDENTITY_TABLES: ReadonlySet<string> = new Set(['users', 'apps', 'tokens', 'app_redirect_uris', 'authorization_codes', 'web_sessions']);

/** Rows of one table, kept aside while everything else goes. */
async function rowsWhere(tx: Transaction, tables: StateTable[], table: string, column: string, value: string): Promise<{ table: string; columns: string[]; rows: SqlValue[][] }> {
  const { columns } = tables.find((t) => t.name === table)!;
  const rows = await tx.all<Record<string, SqlValue>>(`SELECT * FROM ${quoteName(table)} WHERE ${quoteName(column)} = ?`, [value]);
  return { table, columns, rows: rows.map((row) => columns.map((c) => row[c])) };
}

/**
 * Empties the whole store in one transaction, without a restart: every row of every
 * table (whatever migration made it) and every blob. The dev user and dev app are
 * kept as they were (same ids, client secret, password and redirect URIs), and the
 * printed access token is issued again with a fresh 30-day lifetime, so what
 * `pinbox start` printed keeps working. The store's secret (`meta`) stays, and the
 * rate-limit counts start again.
 */
export async function resetAll(deps: ControlDeps): Promise<void> {
  const { db, blobs } = deps.core;
  await db.transaction(async (tx) => {
    const tables = await stateTables(tx, db.dialect);
    const dev = await findDev(deps, tx);
    const kept = dev
      ? [
          await rowsWhere(tx, tables, 'users', 'id', dev.userId),
          ...(dev.appId
            ? [await rowsWhere(tx, tables, 'apps', 'id', dev.appId), await rowsWhere(tx, tables, 'app_redirect_uris', 'app_id', dev.appId)]
            : []),
        ]
      : [];
    // Children before parents; the store's triggers stay out of a wholesale wipe.
    await withoutTriggers(tx, db.dialect, tables, async () => {
      for (const table of [...tables].reverse()) {
        if (table.name !== 'meta') await tx.run(`DELETE FROM ${quoteName(table.name)}`);
      }
    });
    for (const { table, columns, rows } of kept) await insertRows(tx, table, columns, rows);
    if (dev?.appId && deps.dev) {
      await deps.families.stores.tokens.issue(tx, { userId: dev.userId, appId: dev.appId, scopes: ALL_SCOPES, token: deps.dev.token });
    }
    // Last, while the store is still locked: no other write can take a picture meanwhile.
    for (const key of await blobs.list()) await blobs.delete(key);
  });
  await forgetProcessState(deps);
}

/**
 * Removes one user's content in one transaction: boards (with their Pins,
 * sections, collaborators and followers), the user's Pins on other boards, follows
 * both ways, interests, linked businesses, and the rows of any later table that
 * references the user. The user, their apps, tokens and sign-in stay.
 */
export async function resetUser(deps: ControlDeps, username: string): Promise<void> {
  const { db } = deps.core;
  const { users, images } = deps.families.stores;
  const user = await users.getByUsername(username);
  if (!user) throw new ApiError('user_not_found', `User '${username}' not found.`);
  await db.transaction(async (tx) => {
    // Pins hold references to pictures; they are given back before the rows go, so
    // the sweep below removes pictures no Pin uses any more.
    const leaving = await tx.all<{ media: string }>(
      'SELECT media FROM pins WHERE owner_id = ? OR board_id IN (SELECT id FROM boards WHERE owner_id = ?)',
      [user.id, user.id],
    );
    for (const pin of leaving) await images.releaseAll(tx, pin.media);
    // Other people's boards the user pinned to: their counts are recounted after.
    const touched = await tx.all<{ board_id: string }>(
      'SELECT DISTINCT board_id FROM pins WHERE owner_id = ? AND board_id NOT IN (SELECT id FROM boards WHERE owner_id = ?)',
      [user.id, user.id],
    );
    // Children before parents; triggers run, so what they derive (search indexes, say) follows.
    for (const { name } of [...(await stateTables(tx, db.dialect))].reverse()) {
      if (IDENTITY_TABLES.has(name)) continue;
      for (const column of await userColumnsOf(tx, db.dialect, name)) {
        await tx.run(`DELETE FROM ${quoteName(name)} WHERE ${quoteName(column)} = ?`, [user.id]);
      }
    }
    for (const { board_id } of touched) {
      await tx.run('UPDATE boards SET pin_count = (SELECT COUNT(*) FROM pins WHERE board_id = ?) WHERE id = ?', [board_id, board_id]);
    }
  });
  await images.sweep();
}
