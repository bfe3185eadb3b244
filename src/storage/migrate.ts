import type { Database } from './database.js';

/**
 * One part of a versioned schema change. The SQL is written to run on SQLite and
 * PostgreSQL alike (TEXT ids, INTEGER flags and millisecond instants; BYTEA, which
 * SQLite stores as a plain blob); a part that cannot be shared carries one text per
 * dialect. Each family keeps its parts beside its code; `version` is the store's
 * schema version the part shipped in, shared by every part of that release.
 * Never edit a part that has shipped: add one at the next version.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string | { sqlite: string; postgres: string };
}

/**
 * The store's own table, beside the families': instance-wide values (the instance
 * secret, the next id node, the analytics seed).
 */
export const STORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'meta',
    sql: `
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`,
  },
];

/** One step of the store's version: every part of one version, in the order given. */
export interface SchemaStep {
  version: number;
  parts: readonly Migration[];
}

/**
 * Orders migration parts into the store's versions: by version, and within one
 * version in the order given (the registry's, which lists a family after those it
 * builds on, so referenced tables exist first).
 */
export function schemaSteps(migrations: readonly Migration[]): SchemaStep[] {
  const byVersion = new Map<number, Migration[]>();
  for (const migration of migrations) {
    if (!Number.isInteger(migration.version) || migration.version < 1) throw new Error(`migration ${migration.name}: version must be a whole number from 1`);
    const parts = byVersion.get(migration.version) ?? [];
    if (parts.some((part) => part.name === migration.name)) throw new Error(`migration ${migration.name} appears twice at version ${migration.version}`);
    parts.push(migration);
    byVersion.set(migration.version, parts);
  }
  return [...byVersion.keys()].sort((a, b) => a - b).map((version) => ({ version, parts: byVersion.get(version)! }));
}

/** The newest schema version the given migrations reach. */
export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.reduce((latest, migration) => Math.max(latest, migration.version), 0);
}

/**
 * Applies every version newer than the store's, each version (all its parts) in its
 * own transaction, and records it once in `schema_migrations`.
 */
export async function migrate(db: Database, migrations: readonly Migration[]): Promise<number> {
  await db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  const row = await db.get<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations');
  const current = row?.version ?? 0;
  const latest = latestVersion(migrations);
  if (current > latest) {
    throw new Error(`the store is at schema version ${current}, newer than this pinbox (${latest}); upgrade pinbox`);
  }
  for (const step of schemaSteps(migrations)) {
    if (step.version <= current) continue;
    await db.transaction(async (tx) => {
      for (const part of step.parts) {
        const sql = typeof part.sql === 'string' ? part.sql : part.sql[db.dialect];
        for (const statement of splitStatements(sql)) await tx.run(statement);
      }
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        step.version,
        step.parts.map((part) => part.name).join(', '),
        new Date().toISOString(),
      ]);
    });
  }
  return latest;
}

/**
 * A trigger or function body holds statements of its own; migrate() splits a script
 * at a semicolon that ends a line, so such a block is written on one logical line.
 */
export const sqlBlock = (sql: string) => sql.trim().replace(/;\s*\n\s*/g, '; ') + '\n';

function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
