/**
 * What users already have keeps working: a `--data` store and snapshots made by
 * pinbox at schema version 6, before each family carried its own migrations
 * (test/fixtures/schema-6, made once by that pinbox), open and restore with today's
 * and answer every read as that pinbox did; and the migrations up to version 6 make
 * exactly the schema that pinbox made, on both engines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { startPinbox } from '../src/index.js';
import { MIGRATIONS } from '../src/families/registry.js';
import { Clock } from '../src/kernel/clock.js';
import { migrate } from '../src/storage/migrate.js';
import { PostgresDatabase } from '../src/storage/postgres/postgres-database.js';
import { SqliteDatabase } from '../src/storage/sqlite/sqlite-database.js';
import { adminUrl, dropSchema, freshSchema, databaseUrlFor, tablesMadeAfter, TEST_BACKEND } from './backend.js';
import { useServer } from './harness.js';
import { FAMILIES } from '../src/families/index.js';

const FIXTURES = new URL('./fixtures/schema-6/', import.meta.url);
/** The migrations after version 6 and the tables they make: a version-6 store gains them, empty, and keeps the rest as it was. */
const LATER = FAMILIES.flatMap((family) => family.migrations).filter((migration) => migration.version > 6);
const LATER_VERSIONS = [...new Set(LATER.map((migration) => migration.version))].sort((a, b) => a - b);
const LATER_TABLES = new Set(tablesMadeAfter(6));
const fixture = (name: string) => new URL(name, FIXTURES).pathname;
/** The token of the dev user in the old store (kept there as its hash). */
const OLD_TOKEN = 'pina_LEGACYSTORETOKEN0000000000000000000';
/** The schema version of the old store, its snapshots and catalogs. */
const OLD_VERSION = 6;
/** The migrations of the versions up to the old store's: later versions change the schema on purpose. */
const MIGRATIONS_TO_6 = MIGRATIONS.filter((migration) => migration.version <= OLD_VERSION);
/** The instant the old answers were taken at. */
const ANSWERED_AT = '2026-11-23T12:00:00Z';

async function frozenClock(): Promise<Clock> {
  const clock = new Clock();
  await clock.freeze(ANSWERED_AT);
  return clock;
}

/** Every read of answers.json, asked again, with the server's origin written ORIGIN as there. */
async function answersOf(url: string, expected: Record<string, unknown>): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const path of Object.keys(expected)) {
    const response = await fetch(`${url}/v5${path}`, { headers: { authorization: `Bearer ${OLD_TOKEN}` } });
    out[path] = { status: response.status, body: JSON.parse((await response.text()).replaceAll(url, 'ORIGIN')) };
  }
  return out;
}

const expectedAnswers = (engine: 'sqlite' | 'postgres') =>
  JSON.parse(readFileSync(fixture(engine === 'sqlite' ? 'answers.json' : 'answers-postgres.json'), 'utf8')) as Record<string, unknown>;

test('a --data store made at schema version 6 opens with its content, images and analytics', { skip: TEST_BACKEND !== 'sqlite' && 'a SQLite file: the SQLite pass opens it' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-legacy-'));
  try {
    cpSync(fixture('store.sqlite'), join(dir, 'store.sqlite'));
    cpSync(fixture('store.sqlite.blobs'), join(dir, 'store.sqlite.blobs'), { recursive: true });
    const pinbox = await startPinbox({ data: join(dir, 'store.sqlite'), clock: await frozenClock() });
    try {
      const expected = expectedAnswers('sqlite');
      assert.deepEqual(await answersOf(pinbox.url, expected), expected);
      // The pictures the old store kept are served from its blob folder.
      const pins = (expected['/pins'] as { body: { items: { media: { images: Record<string, { url: string }> } }[] } }).body.items;
      for (const image of Object.values(pins[0].media.images)) {
        const response = await fetch(image.url.replace('ORIGIN', pinbox.url));
        assert.equal(response.status, 200, image.url);
      }
    } finally {
      await pinbox.close();
    }
    const db = new BetterSqlite3(join(dir, 'store.sqlite'), { readonly: true });
    const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[];
    db.close();
    assert.deepEqual(versions.map((v) => v.version), [1, 2, 3, 4, 5, 6, ...LATER_VERSIONS], 'nothing was migrated again; the later versions once');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const server = useServer({ clock: await frozenClock() });

test('a snapshot taken at schema version 6 restores and answers every read as it did', async () => {
  const { pinbox } = server();
  const snapshot = JSON.parse(readFileSync(fixture(TEST_BACKEND === 'sqlite' ? 'snapshot.json' : 'snapshot-postgres.json'), 'utf8'));
  const restored = await pinbox.restore(snapshot);
  assert.equal(restored.schemaVersion, 6);
  assert.deepEqual(restored.unfilled, []);
  // A snapshot taken now holds the same tables and rows as the old one (before the
  // reads below, which materialize analytics totals for more days).
  const again = await pinbox.snapshot();
  for (const name of LATER_TABLES) assert.deepEqual(again.tables[name]?.rows ?? [], [], `the later table ${name} is empty`);
  assert.deepEqual(Object.keys(again.tables).filter((name) => !LATER_TABLES.has(name)).sort(), Object.keys(snapshot.tables).sort());
  for (const [name, table] of Object.entries(snapshot.tables as Record<string, { rows: unknown[] }>)) {
    // A restore issues the running pinbox's printed dev token again, beside the old ones.
    const rows = name === 'tokens' ? again.tables[name].rows.filter((row) => table.rows.some((old) => JSON.stringify(old) === JSON.stringify(row))) : again.tables[name].rows;
    assert.deepEqual(rows, table.rows, `table ${name}`);
  }
  const expected = expectedAnswers(TEST_BACKEND);
  assert.deepEqual(await answersOf(pinbox.url, expected), expected);
});

/**
 * The schema of a store migrated to version 6: SQLite's master table, or
 * PostgreSQL's catalog for one schema (schema name taken out).
 */
async function catalogOf(): Promise<unknown> {
  if (TEST_BACKEND === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'pinbox-catalog-'));
    try {
      const fresh = SqliteDatabase.open(join(dir, 'fresh.db'));
      await migrate(fresh, MIGRATIONS_TO_6);
      await fresh.close();
      const db = new BetterSqlite3(join(dir, 'fresh.db'), { readonly: true });
      const rows = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all() as { tbl_name: string }[];
      db.close();
      return rows.filter((row) => !LATER_TABLES.has(row.tbl_name));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const schema = freshSchema();
  const fresh = await PostgresDatabase.open(databaseUrlFor(schema));
  await migrate(fresh, MIGRATIONS_TO_6);
  await fresh.close();
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    const q = async (sql: string) => (await client.query(sql, [schema])).rows;
    const unqualified = (rows: Record<string, string>[], key: string) => rows.map((r) => ({ ...r, [key]: r[key].replaceAll(`${schema}.`, '') }));
    // Each query names the table of its rows, to leave out the later tables', then drops that name where version 6's catalog has none.
    const earlier = (rows: Record<string, string>[], key: string, keep = false) =>
      rows.filter((row) => !LATER_TABLES.has(row[key])).map(({ [key]: table, ...row }) => (keep ? { ...row, [key]: table } : row));
    return {
      columns: earlier(await q(`SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, column_name`), 'table_name', true),
      indexes: earlier(unqualified(await q(`SELECT indexname, indexdef, tablename FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname`), 'indexdef'), 'tablename'),
      triggers: earlier(
        unqualified(
          await q(`SELECT t.tgname, c.relname, pg_get_triggerdef(t.oid) AS def FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND NOT t.tgisinternal ORDER BY t.tgname`),
          'def',
        ),
        'relname',
        true,
      ),
      functions: await q(`SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 ORDER BY p.proname`),
      constraints: earlier(
        unqualified(await q(`SELECT conname, pg_get_constraintdef(c.oid) AS def, r.relname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace JOIN pg_class r ON r.oid = c.conrelid WHERE n.nspname = $1 ORDER BY conname`), 'def'),
        'relname',
      ),
    };
  } finally {
    await client.end();
    await dropSchema(schema);
  }
}

test('the families\' migrations make the schema pinbox made at version 6, table for table, trigger for trigger', async () => {
  const expected = JSON.parse(readFileSync(fixture(`catalog-${TEST_BACKEND}.json`), 'utf8'));
  assert.deepEqual(await catalogOf(), expected);
});
