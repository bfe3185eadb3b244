import { ensureDevIdentity } from '../families/oauth/dev-identity.js';
import { pinterestTimestamp } from '../kernel/clock.js';
import { ApiError } from '../kernel/errors.js';
import type { Queryable, SqlValue } from '../storage/database.js';
import { latestVersion, migrate } from '../storage/migrate.js';
import { MIGRATIONS } from '../families/registry.js';
import { SqliteDatabase } from '../storage/sqlite/sqlite-database.js';
import { PINBOX_VERSION } from '../version.js';
import { forgetProcessState, type ControlDeps } from './deps.js';
import { insertRows, quoteName, schemaVersionOf, stateTables, withoutTriggers, type Dialect, type StateTable } from './tables.js';

const SNAPSHOT_FORMAT = 'pinbox-snapshot';

/**
 * A value as a snapshot carries it: JSON as is, bytes as `{ "$base64": "..." }`, an
 * integer beyond JavaScript's exact range (a full-text rowid made from a Pin id) as
 * `{ "$int": "..." }`.
 */
type SnapshotValue = string | number | null | { $base64: string } | { $int: string };

/** How a SQLite integer too large for a JavaScript number comes out of the read (see readTables). */
const BIG_INTEGER_MARK = '\u001fint:';

/**
 * The complete state of a pinbox store in one JSON document: every row of every
 * table and every blob, with the schema version the rows follow.
 */
export interface Snapshot {
  format: typeof SNAPSHOT_FORMAT;
  /** The store's schema version (its newest migration); a restore brings older rows up through the migrations. */
  schemaVersion: number;
  pinboxVersion: string;
  /** The pinbox clock when it was taken. */
  takenAt: string;
  tables: Record<string, { columns: string[]; rows: SnapshotValue[][] }>;
  /** Blob key -> bytes, base64. */
  blobs: Record<string, string>;
}

function encodeValue(value: unknown): SnapshotValue {
  if (typeof value === 'string' && value.startsWith(BIG_INTEGER_MARK)) return { $int: value.slice(BIG_INTEGER_MARK.length) };
  if (value === null || typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Uint8Array) return { $base64: Buffer.from(value).toString('base64') };
  throw new Error(`a stored value of type ${typeof value} cannot go into a snapshot`);
}

function decodeValue(value: unknown, path: string): SqlValue {
  if (value === null || typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'object' && typeof (value as { $base64?: unknown }).$base64 === 'string') return Buffer.from((value as { $base64: string }).$base64, 'base64');
  if (typeof value === 'object' && /^-?\d+$/.test(String((value as { $int?: unknown }).$int))) return BigInt((value as { $int: string }).$int);
  throw invalidSnapshot(path, 'must be a string, a number, null, { "$base64": "..." } or { "$int": "..." }');
}

function invalidSnapshot(path: string, problem: string): ApiError {
  return new ApiError('invalid_parameters', `Invalid snapshot: '${path}' ${problem}.`);
}

async function readTables(q: Queryable, dialect: Dialect): Promise<Snapshot['tables']> {
  const tables: Snapshot['tables'] = {};
  for (const { name, columns } of await stateTables(q, dialect)) {
    const list = columns.map(quoteName).join(', ');
    // better-sqlite3 reads integers as numbers: one beyond 2^53 comes out as marked text instead, exact.
    const read =
      dialect === 'sqlite'
        ? columns
            .map((c) => `CASE WHEN typeof(${quoteName(c)}) = 'integer' AND abs(${quoteName(c)}) > 9007199254740991 THEN char(31) || 'int:' || ${quoteName(c)} ELSE ${quoteName(c)} END AS ${quoteName(c)}`)
            .join(', ')
        : list;
    // Every column in the order: the same rows always come out in the same order, on either engine.
    const rows = await q.all<Record<string, unknown>>(`SELECT ${read} FROM ${quoteName(name)} ORDER BY ${list}`);
    tables[name] = { columns, rows: rows.map((row) => columns.map((column) => encodeValue(row[column]))) };
  }
  return tables;
}

/** Takes a snapshot of the whole store, rows and blobs read in one transaction. */
export async function takeSnapshot(deps: ControlDeps): Promise<Snapshot> {
  const { db, blobs, clock } = deps.core;
  return db.transaction(async (tx) => {
    const blobMap: Record<string, string> = {};
    for (const key of await blobs.list()) {
      const bytes = await blobs.get(key);
      if (bytes) blobMap[key] = bytes.toString('base64');
    }
    return {
      format: SNAPSHOT_FORMAT,
      schemaVersion: await schemaVersionOf(tx),
      pinboxVersion: PINBOX_VERSION,
      takenAt: `${pinterestTimestamp(clock.now())}Z`,
      tables: await readTables(tx, db.dialect),
      blobs: blobMap,
    };
  });
}

/** Checks a snapshot's shape and version before anything is written. */
function readSnapshot(input: unknown, latest: number): Snapshot {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalidSnapshot('(document)', 'must be a JSON object');
  const snap = input as Partial<Snapshot>;
  if (snap.format !== SNAPSHOT_FORMAT) throw invalidSnapshot('format', `must be "${SNAPSHOT_FORMAT}"; this is not a pinbox snapshot`);
  if (!Number.isInteger(snap.schemaVersion) || (snap.schemaVersion as number) < 1) throw invalidSnapshot('schemaVersion', 'must be a schema version (an integer from 1)');
  if ((snap.schemaVersion as number) > latest) {
    throw new ApiError(
      'invalid_parameters',
      `Invalid snapshot: it was taken by a newer pinbox (${snap.pinboxVersion ?? 'unknown version'}, schema version ${snap.schemaVersion}); this pinbox (${PINBOX_VERSION}) reads snapshots up to schema version ${latest}. Upgrade pinbox.`,
    );
  }
  if (typeof snap.tables !== 'object' || snap.tables === null || Array.isArray(snap.tables)) throw invalidSnapshot('tables', 'must be an object of tables');
  if (typeof snap.blobs !== 'object' || snap.blobs === null || Array.isArray(snap.blobs)) throw invalidSnapshot('blobs', 'must be an object of base64 blobs');
  for (const [key, value] of Object.entries(snap.blobs)) {
    if (typeof value !== 'string' || !/^[a-z0-9_-]+(\/[A-Za-z0-9_.x-]+)+$/.test(key) || key.includes('..')) throw invalidSnapshot(`blobs.${key}`, 'must be a blob key with base64 bytes');
  }
  return snap as Snapshot;
}

interface CheckedRows {
  tables: StateTable[];
  rows: { table: string; columns: string[]; rows: SqlValue[][] }[];
}

/** The snapshot's rows checked against the tables of `q`, decoded and in insertion order (parents first). */
async function checkedRows(q: Queryable, dialect: Dialect, snap: Snapshot): Promise<CheckedRows> {
  const tables = await stateTables(q, dialect);
  const known = new Map(tables.map((t) => [t.name, t]));
  const checked = [];
  for (const [table, content] of Object.entries(snap.tables)) {
    const path = `tables.${table}`;
    if (!known.has(table)) throw invalidSnapshot(path, `is not a table of schema version ${snap.schemaVersion}`);
    if (!Array.isArray(content?.columns) || !Array.isArray(content?.rows)) throw invalidSnapshot(path, 'must have columns and rows');
    const columns = new Set(known.get(table)!.columns);
    content.columns.forEach((column, i) => {
      if (typeof column !== 'string' || !columns.has(column)) throw invalidSnapshot(`${path}.columns[${i}]`, `is not a column of ${table}`);
    });
    const rows = content.rows.map((row, r) => {
      if (!Array.isArray(row) || row.length !== content.columns.length) throw invalidSnapshot(`${path}.rows[${r}]`, `must hold ${content.columns.length} values`);
      return row.map((value, c) => decodeValue(value, `${path}.rows[${r}][${c}]`));
    });
    checked.push({ table, columns: content.columns, rows });
  }
  const order = new Map(tables.map((t, i) => [t.name, i]));
  checked.sort((a, b) => order.get(a.table)! - order.get(b.table)!);
  return { tables, rows: checked };
}

/** Replaces every row with the snapshot's, in the caller's transaction, the store's triggers off. */
async function replaceRows(q: Queryable, dialect: Dialect, checked: CheckedRows): Promise<void> {
  await withoutTriggers(q, dialect, checked.tables, async () => {
    for (const { name } of [...checked.tables].reverse()) await q.run(`DELETE FROM ${quoteName(name)}`);
    for (const { table, columns, rows } of checked.rows) {
      for (const [r, row] of rows.entries()) {
        try {
          await insertRows(q, table, columns, [row]);
        } catch (error) {
          throw invalidSnapshot(`tables.${table}.rows[${r}]`, `cannot be stored (${(error as Error).message})`);
        }
      }
    }
  });
}

/**
 * Brings an older snapshot up to this pinbox's schema: its rows go into a scratch
 * store at the snapshot's version, the later migrations run over them, and the
 * result is read back.
 */
async function upgrade(snap: Snapshot): Promise<Snapshot> {
  const scratch = SqliteDatabase.open();
  try {
    await migrate(scratch, MIGRATIONS.filter((m) => m.version <= snap.schemaVersion));
    // A table in PostgreSQL's own shape (its search index) cannot go through the SQLite
    // scratch: it is carried over as it is, and checked against the live store after.
    const scratchColumns = new Map((await stateTables(scratch, scratch.dialect)).map((t) => [t.name, new Set(t.columns)]));
    const carried: Snapshot['tables'] = {};
    const upgraded: Snapshot['tables'] = {};
    for (const [name, content] of Object.entries(snap.tables)) {
      const columns = scratchColumns.get(name);
      const otherShape = columns && Array.isArray(content?.columns) && !content.columns.every((column) => columns.has(column));
      (otherShape ? carried : upgraded)[name] = content;
    }
    const rows = await checkedRows(scratch, scratch.dialect, { ...snap, tables: upgraded });
    await scratch.transaction((tx) => replaceRows(tx, scratch.dialect, rows));
    await migrate(scratch, MIGRATIONS);
    return { ...snap, schemaVersion: await schemaVersionOf(scratch), tables: { ...(await readTables(scratch, scratch.dialect)), ...carried } };
  } finally {
    await scratch.close();
  }
}

/**
 * The upgrade ran on SQLite; a table that a later migration made in another shape
 * on this engine (PostgreSQL's search index, say) cannot take the scratch's rows
 * and is left empty rather than refused: the rows the snapshot held all come back.
 */
async function fitUpgrade(db: Queryable & { dialect: Dialect }, upgraded: Snapshot, original: Snapshot): Promise<{ snap: Snapshot; unfilled: string[] }> {
  const live = new Map((await stateTables(db, db.dialect)).map((t) => [t.name, new Set(t.columns)]));
  const unfilled: string[] = [];
  const tables: Snapshot['tables'] = {};
  for (const [name, content] of Object.entries(upgraded.tables)) {
    const fits = content.columns.every((column) => live.get(name)?.has(column));
    if (!fits && !(name in original.tables)) unfilled.push(name);
    else tables[name] = content;
  }
  return { snap: { ...upgraded, tables }, unfilled };
}

/**
 * Replaces the whole state with a snapshot's, in one transaction: nothing of the
 * snapshot is stored unless all of it is. Blobs are written first (their keys
 * name their content, so extra ones harm nothing) and those the snapshot lacks are
 * removed once its rows are in. Afterwards the printed dev token is issued again
 * for the dev user (made if the snapshot has none), so it keeps working.
 */
export async function restoreSnapshot(
  deps: ControlDeps,
  input: unknown,
): Promise<{ schemaVersion: number; tables: number; rows: number; blobs: number; unfilled: string[] }> {
  const { db, blobs, bookmarks } = deps.core;
  const latest = latestVersion(MIGRATIONS);
  let snap = readSnapshot(input, latest);
  const fromVersion = snap.schemaVersion;
  let unfilled: string[] = [];
  if (snap.schemaVersion < (await schemaVersionOf(db))) ({ snap, unfilled } = await fitUpgrade(db, await upgrade(snap), snap));
  const checked = await checkedRows(db, db.dialect, snap);
  const before = new Set(await blobs.list());
  const written: string[] = [];
  try {
    for (const [key, base64] of Object.entries(snap.blobs)) {
      if (!before.has(key)) written.push(key);
      await blobs.put(key, Buffer.from(base64, 'base64'));
    }
    const secret = await db.transaction(async (tx) => {
      await replaceRows(tx, db.dialect, checked);
      const row = await tx.get<{ value: string }>("SELECT value FROM meta WHERE key = 'instance_secret'");
      if (!row) await tx.run("INSERT INTO meta (key, value) VALUES ('instance_secret', ?)", [deps.core.instanceSecret.toString('hex')]);
      return row ? Buffer.from(row.value, 'hex') : deps.core.instanceSecret;
    });
    // Bookmarks are signed with the store's secret: the restored store's, from now on.
    bookmarks.rekey(secret);
  } catch (error) {
    for (const key of written) await blobs.delete(key);
    throw error;
  }
  for (const key of before) if (!(key in snap.blobs)) await blobs.delete(key);
  await forgetProcessState(deps);
  if (deps.dev) await ensureDevIdentity(deps.core, deps.families, { ...deps.dev, password: undefined });
  return {
    schemaVersion: fromVersion,
    tables: checked.rows.length,
    rows: checked.rows.reduce((sum, t) => sum + t.rows.length, 0),
    blobs: Object.keys(snap.blobs).length,
    /** Tables newer than an older snapshot that could not be filled on this engine (empty now). */
    unfilled,
  };
}
