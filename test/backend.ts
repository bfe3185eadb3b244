/**
 * Which storage backend the suite runs on. `npm test` runs every file on SQLite,
 * then again on PostgreSQL + Redis (PINBOX_TEST_BACKEND=postgres). There, each
 * test's pinbox gets a schema of its own in the test database and Redis keys of
 * its own; a `--data FILE` store becomes the schema named for that file (so a
 * restart, or a CLI command naming the same file, finds the same store) with its
 * blobs in `FILE.blobs`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { PinboxOptions } from '../src/index.js';
import type { Database } from '../src/storage/database.js';
import { PostgresDatabase, withDefaultUser } from '../src/storage/postgres/postgres-database.js';
import { SqliteDatabase } from '../src/storage/sqlite/sqlite-database.js';
import { FAMILIES } from '../src/families/index.js';

export const TEST_BACKEND: 'sqlite' | 'postgres' = process.env.PINBOX_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';
export const TEST_DATABASE_URL = process.env.PINBOX_TEST_DATABASE_URL ?? 'postgres://127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.PINBOX_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Every schema the suite makes starts with this, so a run can clear what an earlier
 * one left. PINBOX_TEST_SCHEMA_PREFIX gives a run a prefix of its own (letters,
 * digits and `_`), so runs on one PostgreSQL and Redis stay out of each other's way.
 */
export const TEST_SCHEMA_PREFIX = process.env.PINBOX_TEST_SCHEMA_PREFIX ?? 'pbt_';
if (!/^[a-z][a-z0-9_]*_$/.test(TEST_SCHEMA_PREFIX)) throw new Error(`PINBOX_TEST_SCHEMA_PREFIX must be lower-case letters, digits and _, ending in _: ${TEST_SCHEMA_PREFIX}`);

function schemaForFile(file: string): string {
  return `${TEST_SCHEMA_PREFIX}f${createHash('sha256').update(file).digest('hex').slice(0, 20)}`;
}

/** A database URL for a schema of its own. */
export function databaseUrlFor(schema: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

/** A fresh schema name. */
export function freshSchema(): string {
  return `${TEST_SCHEMA_PREFIX}${process.pid}_${randomBytes(5).toString('hex')}`;
}

/** The options of a test's pinbox, moved to the backend under test. */
export function onTestBackend(options: PinboxOptions): PinboxOptions & { schema?: string } {
  if (TEST_BACKEND === 'sqlite') return options;
  const { data, ...rest } = options;
  const schema = data ? schemaForFile(data) : freshSchema();
  // Blobs go beside the data file a test named, or into a folder of the run's temporary ones, never into the checkout.
  const blobsDir = data ? `${data}.blobs` : (rest.blobsDir ?? join(tmpdir(), `blobs-${schema}`));
  return { ...rest, databaseUrl: databaseUrlFor(schema), redisUrl: TEST_REDIS_URL, blobsDir, schema };
}

/**
 * CLI arguments moved to the backend under test: `--data FILE` becomes that file's
 * schema (and, for `start`, its blob folder and Redis).
 */
export function cliArgsOnTestBackend(args: readonly string[], command: 'start' | 'other'): string[] {
  if (TEST_BACKEND === 'sqlite') return [...args];
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--data' && i + 1 < args.length) {
      const file = args[++i];
      out.push('--database-url', databaseUrlFor(schemaForFile(file)));
      if (command === 'start') out.push('--blobs', `${file}.blobs`, '--redis-url', TEST_REDIS_URL);
    } else out.push(args[i]);
  }
  if (command === 'start' && !out.includes('--database-url')) {
    const schema = freshSchema();
    out.push('--database-url', databaseUrlFor(schema), '--redis-url', TEST_REDIS_URL);
    if (!out.includes('--blobs')) out.push('--blobs', join(tmpdir(), `blobs-${schema}`));
  }
  return out;
}

/** Opens the store a `--data FILE` names on the backend under test (to shape it before pinbox starts). */
export function openTestDatabase(data: string): Promise<Database> {
  return TEST_BACKEND === 'postgres' ? PostgresDatabase.open(databaseUrlFor(schemaForFile(data))) : Promise.resolve(SqliteDatabase.open(data));
}

/** Every row of every table of a `--data` store, as text (to look for secrets at rest). */
export async function dumpStore(data: string): Promise<string> {
  if (TEST_BACKEND === 'sqlite') {
    const db = new BetterSqlite3(data, { readonly: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
      return tables.map(({ name }) => JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all())).join('\n');
    } finally {
      db.close();
    }
  }
  const schema = schemaForFile(data);
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);
    const dumps: string[] = [];
    for (const { table_name } of tables) dumps.push(JSON.stringify((await client.query(`SELECT * FROM "${schema}"."${table_name}"`)).rows));
    return dumps.join('\n');
  } finally {
    await client.end();
  }
}

/** The test database's URL with a user (as libpq picks one), for the suite's own connections. */
export function adminUrl(): string {
  return withDefaultUser(new URL(TEST_DATABASE_URL)).toString();
}

/** Drops a schema the suite made. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * The tables the migrations after `version` create, in the order they are made
 * (their SQLite text): what a store of that version does not have yet.
 */
export function tablesMadeAfter(version: number): string[] {
  return FAMILIES.flatMap((family) => family.migrations)
    .filter((migration) => migration.version > version)
    .flatMap((migration) => [...(typeof migration.sql === 'string' ? migration.sql : migration.sql.sqlite).matchAll(/CREATE TABLE (\w+)/g)].map((match) => match[1]));
}

