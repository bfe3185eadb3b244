import { ApiError } from '../kernel/errors.js';
import { ALL_SCOPES } from '../kernel/scopes.js';
import type { SqlValue, Transaction } from '../storage/database.js';
import { findDev, forgetProcessState, type ControlDeps } from './deps.js';
import { columnsOf, deferReferences, insertRows, quoteName, stateTables, userColumnsOf } from './tables.js';

/**
 * Tables that say who a user is and how they sign in, not what they made: a user's
 * reset keeps them. Every other table that references users(id) is the user's content.
 */
const IDENTITY_TABLES: ReadonlySet<string> = new Set(['users', 'apps', 'tokens', 'app_redirect_uris', 'authorization_codes', 'web_sessions']);

/** Rows of one table, kept aside while everything else goes. */
async function rowsWhere(tx: Transaction, table: string, column: string, value: string): Promise<{ columns: string[]; rows: SqlValue[][] }> {
  const columns = await columnsOf(tx, table);
  const rows = await tx.all<Record<string, SqlValue>>(`SELECT * FROM ${quoteName(table)} WHERE ${quoteName(column)} = ?`, [value]);
  return { columns, rows: rows.map((row) => columns.map((c) => row[c])) };
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
    const dev = await findDev(deps, tx);
    const kept = dev
      ? [
          { table: 'users', ...(await rowsWhere(tx, 'users', 'id', dev.userId)) },
          ...(dev.appId
            ? [
                { table: 'apps', ...(await rowsWhere(tx, 'apps', 'id', dev.appId)) },
                { table: 'app_redirect_uris', ...(await rowsWhere(tx, 'app_redirect_uris', 'app_id', dev.appId)) },
              ]
            : []),
        ]
      : [];
    await deferReferences(tx);
    for (const table of await stateTables(tx)) {
      if (table !== 'meta') await tx.run(`DELETE FROM ${quoteName(table)}`);
    }
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
    for (const table of await stateTables(tx)) {
      if (IDENTITY_TABLES.has(table)) continue;
      for (const column of await userColumnsOf(tx, table)) {
        await tx.run(`DELETE FROM ${quoteName(table)} WHERE ${quoteName(column)} = ?`, [user.id]);
      }
    }
    for (const { board_id } of touched) {
      await tx.run('UPDATE boards SET pin_count = (SELECT COUNT(*) FROM pins WHERE board_id = ?) WHERE id = ?', [board_id, board_id]);
    }
  });
  await images.sweep();
}
