import type { Queryable, SqlValue } from '../storage/database.js';

/**
 * The store's tables, read from the database itself so that tables added by any
 * migration are reset, exported and restored without a change here.
 * `schema_migrations` is the store's own bookkeeping and is never part of its state.
 * SQLite: sqlite_master; PostgreSQL would read information_schema.tables.
 */
export async function stateTables(q: Queryable): Promise<string[]> {
  const rows = await q.all<{ name: string }>(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name",
  );
  return rows.map((row) => row.name);
}

/** A table's column names, in order. */
export async function columnsOf(q: Queryable, table: string): Promise<string[]> {
  const rows = await q.all<{ name: string }>(`PRAGMA table_info(${quoteName(table)})`);
  return rows.map((row) => row.name);
}

/** The columns of `table` that reference `users(id)`. */
export async function userColumnsOf(q: Queryable, table: string): Promise<string[]> {
  const rows = await q.all<{ table: string; from: string; to: string | null }>(`PRAGMA foreign_key_list(${quoteName(table)})`);
  return rows.filter((row) => row.table === 'users' && (row.to === null || row.to === 'id')).map((row) => row.from);
}

/** The store's schema version: the newest migration applied. */
export async function schemaVersionOf(q: Queryable): Promise<number> {
  const row = await q.get<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations');
  return row?.version ?? 0;
}

/**
 * Lets a transaction break references until it commits (rows go out and come back
 * in any order); SQLite turns this off again at the end of the transaction.
 */
export async function deferReferences(q: Queryable): Promise<void> {
  await q.run('PRAGMA defer_foreign_keys = ON');
}

/** Quotes a table or column name that came from the database's own catalog. */
export function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Inserts rows given as column names and values. */
export async function insertRows(q: Queryable, table: string, columns: readonly string[], rows: readonly (readonly SqlValue[])[]): Promise<void> {
  if (rows.length === 0) return;
  const sql = `INSERT INTO ${quoteName(table)} (${columns.map(quoteName).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
  for (const row of rows) await q.run(sql, row);
}
