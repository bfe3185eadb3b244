import { userInfo } from 'node:os';
import pg from 'pg';
import { ApiError } from '../../kernel/errors.js';
import type { Database, RunResult, SqlValue, Transaction } from '../database.js';

// BIGINT columns hold millisecond instants and counts, well inside 2^53: read them
// as numbers, as better-sqlite3 does, so the families see the same values on both
// engines. (node-postgres returns them as strings by default.)
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
// SUM over integers is NUMERIC in PostgreSQL; pinbox sums counts only.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

/** Why a transaction may be run again: another transaction got in its way. */
/** character_not_in_repertoire (a NUL in text), untranslatable_character. */
const UNSTORABLE_TEXT = new Set(['22021', '22P05']);
const RETRYABLE = new Set(['40001' /* serialization_failure */, '40P01' /* deadlock_detected */]);
const MAX_ATTEMPTS = 30;

/**
 * `?` placeholders (the families' portable SQL) to PostgreSQL's `$1, $2, …`.
 * A `?` inside a quoted string or identifier is left alone.
 */
function toPostgresPlaceholders(sql: string): string {
  let out = '';
  let n = 0;
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') out += `$${++n}`;
    else out += ch;
  }
  return out;
}

/**
 * Gives a PostgreSQL URL the user libpq would pick when it names none: PGUSER,
 * else the operating-system user (node-postgres would send none).
 * @example withDefaultUser(new URL('postgres://127.0.0.1:5432/test')).username // 'root'
 */
export function withDefaultUser(url: URL): URL {
  if (!url.username) url.username = encodeURIComponent(process.env.PGUSER ?? userInfo().username);
  return url;
}

/** PostgreSQL's `invalid_catalog_name`: the database named in the URL does not exist. */
const INVALID_CATALOG_NAME = '3D000';
/** Errors of a CREATE that another process won: the thing exists now. */
const ALREADY_MADE = new Set(['23505' /* unique_violation */, '42P04' /* duplicate_database */, '42P06' /* duplicate_schema */]);

const codeOf = (error: unknown) => (error as { code?: string }).code;

async function createSchema(pool: pg.Pool, schema: string): Promise<void> {
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } catch (error) {
    // Two processes creating one schema at once: the loser's error means it exists.
    if (!ALREADY_MADE.has(codeOf(error) ?? '')) throw error;
  }
}

/**
 * Creates the database a URL names, connected to the server's `postgres` database
 * as the URL's user; where that is refused, says what to run instead.
 */
async function createDatabase(url: URL): Promise<void> {
  const name = decodeURIComponent(url.pathname.slice(1));
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const client = new pg.Client({ connectionString: maintenance.toString() });
  try {
    await client.connect();
    await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } catch (error) {
    if (ALREADY_MADE.has(codeOf(error) ?? '')) return;
    const user = decodeURIComponent(url.username);
    const createdb = `createdb -h ${url.hostname || '127.0.0.1'} -p ${url.port || '5432'}${user ? ` -U ${user}` : ''} ${name}`;
    throw new Error(
      `--database-url: the database "${name}" does not exist and pinbox could not create it (${error instanceof Error ? error.message : String(error)}); create it with: ${createdb}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface PostgresOptions {
  /** Connections in this process's pool. */
  poolSize?: number;
}

/**
 * The PostgreSQL adapter: node-postgres with a pool.
 *
 * SQLite runs pinbox's transactions one at a time; to give the families the same
 * guarantee when several processes share one database, every transaction runs at
 * SERIALIZABLE isolation and is run again when PostgreSQL aborts it for a conflict
 * with another (counts, single-use codes and uploads stay exact without each
 * family taking row locks). A transaction's function may therefore run more than
 * once: what it does outside the database must be safe to repeat (blob writes are,
 * being keyed by content or id).
 *
 * The URL may name a schema (`?schema=team_a`): pinbox creates it and works inside
 * it, so several pinbox instances (or test files) can share one database.
 */
export class PostgresDatabase implements Database {
  readonly dialect = 'postgres' as const;
  private readonly translated = new Map<string, string>();
  /** The end of the last transaction queued in this process. */
  private queueTail: Promise<void> = Promise.resolve();

  /** The advisory lock every process's transactions take, one at a time across the instance. */
  private get writeLock(): string {
    return `${this.schema}:transactions`;
  }

  private constructor(
    private readonly pool: pg.Pool,
    /** The schema pinbox works in. */
    readonly schema: string,
    /** How to open a connection outside the pool (the listener for other processes' writes). */
    private readonly connection: pg.ClientConfig,
  ) {}

  static async open(url: string, options: PostgresOptions = {}): Promise<PostgresDatabase> {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get('schema') ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`--database-url: schema '${schema}' must be lower-case letters, digits and _`);
    parsed.searchParams.delete('schema');
    withDefaultUser(parsed);
    // Every connection starts in the schema (a start-up option, so no query races the first one).
    const connection = { connectionString: parsed.toString(), options: `-c search_path=${schema}` };
    const pool = new pg.Pool({ ...connection, max: Math.max(2, options.poolSize ?? 10) });
    // An idle connection that breaks (a database restart) must not take the process with it.
    pool.on('error', () => undefined);
    try {
      await createSchema(pool, schema).catch(async (error: unknown) => {
        if (codeOf(error) !== INVALID_CATALOG_NAME) throw error;
        // The database itself is missing: make it (as `createdb` would), then the schema in it.
        await createDatabase(parsed);
        await createSchema(pool, schema);
      });
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresDatabase(pool, schema, connection);
  }

  private sql(text: string): string {
    let out = this.translated.get(text);
    if (out === undefined) {
      out = toPostgresPlaceholders(text);
      this.translated.set(text, out);
    }
    return out;
  }

  private async query<T>(client: pg.Pool | pg.PoolClient, text: string, params: readonly SqlValue[]): Promise<pg.QueryResult<T & pg.QueryResultRow>> {
    try {
      return await client.query<T & pg.QueryResultRow>(this.sql(text), params as unknown[]);
    } catch (error) {
      // PostgreSQL cannot store a NUL in text, which SQLite takes: a client's text that
      // holds one (a form field; the kernel refuses it in URLs and JSON already) is the
      // client's mistake, a 400, never a 500 with the database's words in it.
      if (UNSTORABLE_TEXT.has((error as { code?: string }).code ?? '')) {
        throw new ApiError('invalid_parameters', 'Invalid parameters: text may not hold a NUL character.');
      }
      throw error;
    }
  }

  async get<T>(text: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return (await this.query<T>(this.pool, text, params)).rows[0];
  }

  async all<T>(text: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return (await this.query<T>(this.pool, text, params)).rows;
  }

  async run(text: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    return { changes: (await this.query(this.pool, text, params)).rowCount ?? 0 };
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    const previous = this.queueTail;
    let release!: () => void;
    this.queueTail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await this.attempt(fn);
    } finally {
      release();
    }
  }

  private async attempt<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let open = true;
      const guard = () => {
        if (!open) throw new Error('transaction handle used after the transaction ended');
      };
      const tx: Transaction = {
        inTransaction: true,
        get: async <R>(text: string, params: readonly SqlValue[] = []) => (guard(), (await this.query<R>(client, text, params)).rows[0]),
        all: async <R>(text: string, params: readonly SqlValue[] = []) => (guard(), (await this.query<R>(client, text, params)).rows),
        run: async (text: string, params: readonly SqlValue[] = []) => (guard(), { changes: (await this.query(client, text, params)).rowCount ?? 0 }),
      };
      let locked = false;
      try {
        // Taken before BEGIN, so the transaction's snapshot is made after the lock is held.
        await client.query('SELECT pg_advisory_lock(hashtext($1))', [this.writeLock]);
        locked = true;
        await client.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (RETRYABLE.has((error as { code?: string }).code ?? '') && attempt < MAX_ATTEMPTS) {
          // Back off a little, more each time (up to 50 ms), so the conflicting processes spread out.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));
          continue;
        }
        throw error;
      } finally {
        open = false;
        if (locked) await client.query('SELECT pg_advisory_unlock(hashtext($1))', [this.writeLock]).catch(() => undefined);
        client.release();
      }
    }
  }

  /**
   * Runs `fn` while holding a database-wide advisory lock named `name`, so work
   * that several processes starting together must not interleave (migrations, the
   * first start's identity) runs in one of them at a time.
   */
  async exclusively<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [`${this.schema}:${name}`]);
      try {
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`${this.schema}:${name}`]);
      }
    } finally {
      client.release();
    }
  }

  /**
   * Holds a lock for the life of this process: exclusive (`alone`) for a process
   * that must be the only one on this database, shared for one of several.
   * @returns false when the lock is taken in the other mode.
   */
  async holdProcessLock(mode: 'alone' | 'shared'): Promise<boolean> {
    const client = await this.pool.connect();
    const fn = mode === 'alone' ? 'pg_try_advisory_lock' : 'pg_try_advisory_lock_shared';
    const { rows } = await client.query<{ held: boolean }>(`SELECT ${fn}(hashtext($1)) AS held`, [`${this.schema}:processes`]);
    if (!rows[0].held) {
      client.release();
      return false;
    }
    // The session keeps the lock until close() ends it.
    this.lockClient = client;
    return true;
  }

  private lockClient: pg.PoolClient | null = null;

  async exec(text: string): Promise<void> {
    await this.pool.query(text);
  }

  /** Notifications of other processes' writes received, plus one for each time the listener was down. */
  private writesSeen = 0;
  private listener: pg.Client | null = null;
  private listening = false;
  private closed = false;

  /** The channel on which the processes of this instance announce their writes. */
  private get writesChannel(): string {
    return `pinbox_writes_${this.schema}`;
  }

  /**
   * Counts other processes' announced writes, heard with LISTEN on a connection of
   * its own outside the pool (opened at the first call). While that connection is
   * not up, every call returns a new number, so nothing cached is trusted until it is back.
   */
  externalWrites(): number {
    if (this.listener || this.closed) return this.writesSeen;
    if (!this.listening) {
      this.listening = true;
      void this.listen().finally(() => (this.listening = false));
    }
    return ++this.writesSeen;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client(this.connection);
    // A dropped connection (a database restart) must not take the process with it: listen again on the next call.
    const lost = () => {
      if (this.listener === client) this.listener = null;
      this.writesSeen++;
      void client.end().catch(() => undefined);
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', () => void this.writesSeen++);
    try {
      await client.connect();
      await client.query(`LISTEN "${this.writesChannel}"`);
      if (this.closed) return void (await client.end());
      this.listener = client;
    } catch {
      lost();
    }
  }

  async announceWrite(): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [this.writesChannel, '']);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.lockClient?.release();
    this.lockClient = null;
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
    await this.pool.end();
  }
}
