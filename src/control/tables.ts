import type { Queryable, SqlValue } from '../storage/database.js';

export type Dialect = 'sqlite' | 'postgres';

/** A table of the store's state, as the database itself describes it. */
export interface StateTable {
  name: string;
  /** Column names in order; a SQLite virtual table (full-text search) leads with its `rowid`. */
  columns: string[];
  /** Tables it references (foreign keys), itself excluded. */
  parents: string[];
}

/**
 * The store's tables, read from the database itself so that tables added by any
 * migration are reset, exported and restored without a change here, in an order
 * where each comes after the tables it references (insert in this order, delete
 * in the reverse). `schema_migrations` is the store's bookkeeping, not its state.
 * SQLite: pragma_table_list (a full-text table's shadow tables are its own
 * business and left out); PostgreSQL: the catalog of the current schema.
 */
export async function stateTables(q: Queryable, dialect: Dialect): Promise<StateTable[]> {
  const tables: StateTable[] = [];
  if (dialect === 'sqlite') {
    const rows = await q.all<{ name: string; type: string }>(
      "SELECT name, type FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'virtual') AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name",
    );
    for (const { name, type } of rows) {
      const columns = (await q.all<{ name: string }>('SELECT name FROM pragma_table_info(?) ORDER BY cid', [name])).map((c) => c.name);
      const parents = (await q.all<{ parent: string }>('SELECT DISTINCT "table" AS parent FROM pragma_foreign_key_list(?)', [name])).map((p) => p.parent);
      tables.push({ name, columns: type === 'virtual' ? ['rowid', ...columns] : columns, parents: parents.filter((p) => p !== name) });
    }
  } else {
    const rows = await q.all<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY table_name",
    );
    const links = await q.all<{ child: string; parent: string }>(
      `SELECT DISTINCT child.relname AS child, parent.relname AS parent
         FROM pg_constraint c
         JOIN pg_class child ON child.oid = c.conrelid
         JOIN pg_class parent ON parent.oid = c.confrelid
        WHERE c.contype = 'f' AND c.connamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())`,
    );
    for (const { name } of rows) {
      const columns = await q.all<{ name: string }>(
        'SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position',
        [name],
      );
      const parents = links.filter((l) => l.child === name && l.parent !== name).map((l) => l.parent);
      tables.push({ name, columns: columns.map((c) => c.name), parents });
    }
  }
  return parentsFirst(tables);
}

/** Orders tables so each comes after those it references; a cycle keeps name order. */
function parentsFirst(tables: StateTable[]): StateTable[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const placed = new Set<string>();
  const ordered: StateTable[] = [];
  const visit = (table: StateTable, path: Set<string>) => {
    if (placed.has(table.name) || path.has(table.name)) return;
    path.add(table.name);
    for (const parent of table.parents) {
      const found = byName.get(parent);
      if (found) visit(found, path);
    }
    placed.add(table.name);
    ordered.push(table);
  };
  for (const table of tables) visit(table, new Set());
  return ordered;
}

/** The columns of `table` that reference `users(id)`. */
export async function userColumnsOf(q: Queryable, dialect: Dialect, table: string): Promise<string[]> {
  if (dialect === 'sqlite') {
    const rows = await q.all<{ from: string }>('SELECT "from" FROM pragma_foreign_key_list(?) WHERE "table" = \'users\'', [table]);
    return rows.map((row) => row.from);
  }
  const rows = await q.all<{ column: string }>(
    `SELECT a.attname AS "column"
       FROM pg_constraint c
       JOIN pg_class child ON child.oid = c.conrelid
       JOIN pg_class parent ON parent.oid = c.confrelid
       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
      WHERE c.contype = 'f' AND child.relname = ? AND parent.relname = 'users'
        AND c.connamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())`,
    [table],
  );
  return rows.map((row) => row.column);
}

/** The store's schema version: the newest migration applied. */
export async function schemaVersionOf(q: Queryable): Promise<number> {
  const row = await q.get<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations');
  return Number(row?.version ?? 0);
}

/**
 * Runs `fn` (inside the caller's transaction) with the store's own triggers off, so
 * rows put back or taken out wholesale are not derived a second time (search
 * indexes, analytics logs kept by triggers come from the snapshot, or go with the
 * rest). SQLite: the triggers are dropped and made again from their own SQL in the
 * same transaction; PostgreSQL: DISABLE TRIGGER USER, which leaves foreign keys on.
 */
export async function withoutTriggers<T>(q: Queryable, dialect: Dialect, tables: readonly StateTable[], fn: () => Promise<T>): Promise<T> {
  if (dialect === 'sqlite') {
    const triggers = await q.all<{ name: string; sql: string }>("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL ORDER BY name");
    for (const trigger of triggers) await q.run(`DROP TRIGGER ${quoteName(trigger.name)}`);
    const result = await fn();
    for (const trigger of triggers) await q.run(trigger.sql);
    return result;
  }
  for (const table of tables) await q.run(`ALTER TABLE ${quoteName(table.name)} DISABLE TRIGGER USER`);
  const result = await fn();
  for (const table of tables) await q.run(`ALTER TABLE ${quoteName(table.name)} ENABLE TRIGGER USER`);
  return result;
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
