import { userInfo } from 'node:os';
import pg from 'pg';
import { ApiError } from '../../kernel/errors.js';
import type { Database, RunResult, SqlValue, Transaction, TransactionOptions } from '../database.js';

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
 * How many distinct statement texts a process prepares by name on each of its
 * connections. The families' texts are a few hundred; texts built per call (a list
 * of N placeholders) could grow without end, so past this they run unnamed.
 */
const PREPARED_STATEMENTS = 2_000;

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

const codeOf = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : undefined;

/**
 * SQLSTATEs and socket errors that mean the connection or the server went away, not
 * that the statement was wrong: class 08 (connection_exception), 57P01 admin_shutdown
 * (`pg_terminate_backend`, a fast shutdown), 57P02 crash_shutdown, 57P03
 * cannot_connect_now (starting up or shutting down), 53300 too_many_connections,
 * and what Node's sockets say of a server that is not there.
 */
const CONNECTION_LOST_CODES = new Set(['57P01', '57P02', '57P03', '53300', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** node-postgres's own words for a connection that ended, broke or could not be made in time (it gives them no code). */
const CONNECTION_LOST_MESSAGE = /^(Connection terminated|Client has encountered a connection error and is not queryable|timeout exceeded when trying to connect|timeout expired)/;

/**
 * Whether `error` means the database connection was lost (or could not be made),
 * so the statement may be tried again on another connection.
 * @example isConnectionLost(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })) // true
 */
export function isConnectionLost(error: unknown): boolean {
  const code = codeOf(error);
  if (code !== undefined && (code.startsWith('08') || CONNECTION_LOST_CODES.has(code))) return true;
  // Node tries each address of a host name in turn and reports every failure at once.
  if (error instanceof AggregateError) return error.errors.some(isConnectionLost);
  return error instanceof Error && CONNECTION_LOST_MESSAGE.test(error.message);
}

/** A statement that only reads, so it may be run again after its connection dropped. */
function readsOnly(sql: string): boolean {
  return /^\s*(SELECT|WITH)\b/i.test(sql) && !/\b(INSERT|UPDATE|DELETE|MERGE)\b/i.test(sql);
}

/** Where the adapter reports what happens to its connections (pino's logger fits). */
export interface ConnectionLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

const SILENT: ConnectionLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * What a client is told when a connection dropped, by how far its call had gone
 * (where nothing was written, the catalog's own words).
 */
const UNAVAILABLE = {
  lockLost:
    "The database is unreachable (the connection that holds this pinbox process's lock was lost); pinbox is reconnecting. Nothing was changed: try again shortly.",
  lockTaken:
    "While this pinbox process's database connection was down, another process took the lock it holds on the database (a --single-process pinbox must be alone; one with --redis-url may not join it): this process answers again once it has retaken it.",
  beforeCommit: 'The database connection was lost before this change was committed, so nothing was saved; pinbox is reconnecting: try again shortly.',
  duringCommit:
    'The database connection was lost while this change was being committed: it may or may not have been saved. pinbox is reconnecting: check before trying again.',
} as const;

/** Waits `ms` without keeping the process alive for it (a closed store stops its retries). */
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** How long the process lock's retakes wait after each failure: 100 ms, doubling, at most 5 s (the first is at once). */
const LOCK_RETRY_MS = { first: 100, max: 5_000 } as const;
/** The same for the listener of other processes' writes, which only reconnects when asked. */
const LISTEN_RETRY_MS = { first: 250, max: 5_000 } as const;

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
 * Transactions of every process run side by side; nothing instance-wide is locked.
 * Each keeps its rules in one of two ways (`TransactionOptions`): at SERIALIZABLE
 * isolation (the default), run again when PostgreSQL aborts it for a conflict with
 * another, or at READ COMMITTED for the hot paths that keep theirs row by row
 * (conditional updates, `SELECT … FOR UPDATE` on the rows whose counts they keep,
 * unique constraints, narrowly keyed advisory locks: `tx.lock`). Either way a
 * transaction's function may run more than once (a serialization failure, a
 * deadlock): what it does outside the database must be safe to repeat (blob writes
 * are, being keyed by content or id), and what must follow the commit goes in
 * `tx.afterCommit`.
 *
 * Every statement is a named prepared statement on its connection (the first
 * PREPARED_STATEMENTS distinct texts of the process), so PostgreSQL parses and
 * plans each text once per connection rather than on every call.
 *
 * Connections come back: every connection it holds (the pool's, the one that holds
 * the process lock, the listener of other processes' writes) survives its
 * connection dying (a database restart, a failover, `pg_terminate_backend`, a
 * proxy's idle time-out). A call that met a dropped connection and had written
 * nothing (a read, or a transaction that only read) is run once more on another
 * connection; otherwise it is refused with a 503 (`database_unavailable`) that says
 * whether anything may have been saved. The process lock is retaken on a new
 * connection, and every call answers 503 until it is held again.
 *
 * The URL may name a schema (`?schema=team_a`): pinbox creates it and works inside
 * it, so several pinbox instances (or test files) can share one database.
 */
export class PostgresDatabase implements Database {
  readonly dialect = 'postgres' as const;
  /** Each statement text as PostgreSQL takes it, with the name it is prepared under (none past PREPARED_STATEMENTS) and whether it only reads. */
  private readonly translated = new Map<string, { text: string; name: string | undefined; readsOnly: boolean }>();
  private log: ConnectionLog = SILENT;
  /** Whether the last statement found the database unreachable (logged once until one succeeds). */
  private unreachable = false;

  private constructor(
    private readonly pool: pg.Pool,
    /** The schema pinbox works in. */
    readonly schema: string,
    /** How to open a connection outside the pool (the process lock, the listener for other processes' writes). */
    private readonly connection: pg.ClientConfig,
  ) {
    // A pooled connection that breaks while a call holds it (between two statements
    // of a transaction) emits 'error' with no listener of the pool's: without this
    // one the process would die. The call itself finds out from its next statement.
    pool.on('connect', (client) => client.on('error', (error: Error) => this.log.warn({ err: error }, 'PostgreSQL: a connection of the pool was lost')));
    // An idle connection that breaks is dropped by the pool, which tells of it here
    // (and above, where it is logged).
    pool.on('error', () => undefined);
  }

  static async open(url: string, options: PostgresOptions = {}): Promise<PostgresDatabase> {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get('schema') ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`--database-url: schema '${schema}' must be lower-case letters, digits and _`);
    parsed.searchParams.delete('schema');
    withDefaultUser(parsed);
    // Every connection starts in the schema (a start-up option, so no query races the first one),
    // names itself in pg_stat_activity, has TCP keep-alive (a peer gone silent behind a proxy is
    // found out), and gives up connecting after 5 s, so a call never waits on a server that does not answer.
    const connection: pg.ClientConfig = {
      connectionString: parsed.toString(),
      options: `-c search_path=${schema}`,
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
    };
    const pool = new pg.Pool({ ...connection, application_name: applicationName(schema, 'pool'), max: Math.max(2, options.poolSize ?? 10) });
    const db = new PostgresDatabase(pool, schema, connection);
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
    return db;
  }

  /**
   * Where to report lost connections, reconnections and the lock retaken (the
   * process's logger, once it exists; silent until then).
   */
  useLog(log: ConnectionLog): void {
    this.log = log;
  }

  private sql(text: string): { text: string; name: string | undefined; readsOnly: boolean } {
    let out = this.translated.get(text);
    if (out === undefined) {
      // Schema changes (migrations, a restore's trigger switches) run once: only queries are worth a name.
      const named = this.translated.size < PREPARED_STATEMENTS && /^\s*(SELECT|WITH|INSERT|UPDATE|DELETE)\b/i.test(text);
      out = { text: toPostgresPlaceholders(text), name: named ? `pinbox_${this.translated.size}` : undefined, readsOnly: readsOnly(text) };
      this.translated.set(text, out);
    }
    return out;
  }

  /** Refuses every call while the process lock is not held (see holdProcessLock). */
  private checkAvailable(): void {
    if (this.processLock?.state === 'lost') throw new ApiError('database_unavailable', UNAVAILABLE.lockLost);
    if (this.processLock?.state === 'taken') throw new ApiError('database_unavailable', UNAVAILABLE.lockTaken);
  }

  /** Notes a lost connection: logged once until a statement succeeds again. */
  private lost(error: unknown): void {
    if (this.unreachable) return;
    this.unreachable = true;
    this.log.error({ err: error }, 'PostgreSQL: a connection was lost or could not be made; reads run once more on another, other calls that meet one answer 503 until connections work again');
  }

  private reachable(): void {
    if (!this.unreachable) return;
    this.unreachable = false;
    this.log.info({}, 'PostgreSQL: connections work again');
  }

  private async query<T>(client: pg.Pool | pg.PoolClient, text: string, params: readonly SqlValue[]): Promise<pg.QueryResult<T & pg.QueryResultRow>> {
    try {
      const { text: sql, name } = this.sql(text);
      const result = await client.query<T & pg.QueryResultRow>({ text: sql, name, values: params as unknown[] });
      this.reachable();
      return result;
    } catch (error) {
      // PostgreSQL cannot store a NUL in text, which SQLite takes: a client's text that
      // holds one (a form field; the kernel refuses it in URLs and JSON already) is the
      // client's mistake, a 400, never a 500 with the database's words in it.
      if (UNSTORABLE_TEXT.has(codeOf(error) ?? '')) {
        throw new ApiError('invalid_parameters', 'Invalid parameters: text may not hold a NUL character.');
      }
      throw error;
    }
  }

  /**
   * One statement outside a transaction, on whichever pooled connection is free.
   * A read whose connection dropped runs once more (the pool has dropped the broken
   * connection, so it gets another); a write is refused: it may have been applied.
   */
  private async pooled<T>(text: string, params: readonly SqlValue[]): Promise<pg.QueryResult<T & pg.QueryResultRow>> {
    this.checkAvailable();
    try {
      return await this.query<T>(this.pool, text, params);
    } catch (error) {
      if (!isConnectionLost(error)) throw error;
      this.lost(error);
      if (!readsOnly(text)) throw new ApiError('database_unavailable', UNAVAILABLE.duringCommit);
      try {
        return await this.query<T>(this.pool, text, params);
      } catch (again) {
        if (isConnectionLost(again)) throw new ApiError('database_unavailable');
        throw again;
      }
    }
  }

  async get<T>(text: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return (await this.pooled<T>(text, params)).rows[0];
  }

  async all<T>(text: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return (await this.pooled<T>(text, params)).rows;
  }

  async run(text: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    return { changes: (await this.pooled(text, params)).rowCount ?? 0 };
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const begin = options.isolation === 'read committed' ? 'BEGIN ISOLATION LEVEL READ COMMITTED' : 'BEGIN ISOLATION LEVEL SERIALIZABLE';
    /** Whether a transaction that met a dropped connection was run again already (once at most). */
    let rerunAfterLoss = false;
    for (let attempt = 1; ; attempt++) {
      this.checkAvailable();
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (error) {
        if (!isConnectionLost(error)) throw error;
        this.lost(error);
        if (rerunAfterLoss) throw new ApiError('database_unavailable');
        rerunAfterLoss = true;
        continue;
      }
      let open = true;
      /** How far the transaction got, to know what a dropped connection cost. */
      let wrote = false;
      let committing = false;
      /** The dropped connection a statement met, whatever `fn` made of its error. */
      let lostWith: unknown = null;
      /** What runs once this attempt has committed. */
      const committed: (() => void | Promise<void>)[] = [];
      const statement = async <R>(text: string, params: readonly SqlValue[]) => {
        if (!open) throw new Error('transaction handle used after the transaction ended');
        if (!this.sql(text).readsOnly) wrote = true;
        try {
          return await this.query<R>(client, text, params);
        } catch (error) {
          if (isConnectionLost(error)) lostWith ??= error;
          throw error;
        }
      };
      const tx: Transaction = {
        inTransaction: true,
        get: async <R>(text: string, params: readonly SqlValue[] = []) => (await statement<R>(text, params)).rows[0],
        all: async <R>(text: string, params: readonly SqlValue[] = []) => (await statement<R>(text, params)).rows,
        run: async (text: string, params: readonly SqlValue[] = []) => ({ changes: (await statement(text, params)).rowCount ?? 0 }),
        // The two-key form, whose keys never meet the one-key locks of the process and of start-up.
        lock: async (key: string) => void (await statement('SELECT pg_advisory_xact_lock(hashtext(?), hashtext(?)) AS locked', [this.schema, key])),
        afterCommit: (after) => {
          if (!open) throw new Error('transaction handle used after the transaction ended');
          committed.push(after);
        },
      };
      let result: T;
      try {
        await client.query(begin);
        result = await fn(tx);
        committing = true;
        await client.query('COMMIT');
        this.reachable();
      } catch (error) {
        if (lostWith === null && isConnectionLost(error)) lostWith = error;
        if (lostWith !== null) {
          this.lost(lostWith);
          // Nothing was written: the whole transaction runs once more on another connection.
          if (!wrote && !rerunAfterLoss) {
            rerunAfterLoss = true;
            continue;
          }
          if (!wrote) throw new ApiError('database_unavailable');
          throw new ApiError('database_unavailable', committing ? UNAVAILABLE.duringCommit : UNAVAILABLE.beforeCommit);
        }
        await client.query('ROLLBACK').catch(() => undefined);
        if (RETRYABLE.has(codeOf(error) ?? '') && attempt < MAX_ATTEMPTS) {
          // Back off a little, more each time (up to 50 ms), so the conflicting transactions spread out.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));
          continue;
        }
        throw error;
      } finally {
        open = false;
        // A broken connection goes back to no one: the pool closes it.
        client.release(lostWith === null ? undefined : lostWith instanceof Error ? lostWith : true);
      }
      for (const after of committed) await after();
      return result;
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
   * The lock this process holds for its life, on a connection of its own (outside
   * the pool): `held` on `client`; `lost` while its connection is down and it is
   * being retaken; `taken` when another process took it meanwhile in the other mode.
   */
  private processLock: { mode: 'alone' | 'shared'; state: 'held' | 'lost' | 'taken'; client: pg.Client | null } | null = null;

  /**
   * Holds a lock for the life of this process: exclusive (`alone`) for a process
   * that must be the only one on this database, shared for one of several. Should
   * its connection die, the lock is retaken on a new one (backing off up to 5 s
   * between tries), and every call answers 503 until it is held again: with the
   * lock lost, another process could have started in the other mode meanwhile.
   * @returns false when the lock is taken in the other mode.
   */
  async holdProcessLock(mode: 'alone' | 'shared'): Promise<boolean> {
    const client = await this.takeProcessLock(mode);
    if (!client) return false;
    this.processLock = { mode, state: 'held', client };
    return true;
  }

  /** Opens a connection and takes the lock on it; null (the connection closed) when another process holds it in the other mode. */
  private async takeProcessLock(mode: 'alone' | 'shared'): Promise<pg.Client | null> {
    const client = new pg.Client({ ...this.connection, application_name: applicationName(this.schema, 'lock') });
    // Until the lock is held, a failure is the caller's to see (the promise rejects); 'error' must still be heard.
    const early = () => undefined;
    client.on('error', early);
    try {
      await client.connect();
      const fn = mode === 'alone' ? 'pg_try_advisory_lock' : 'pg_try_advisory_lock_shared';
      const { rows } = await client.query<{ held: boolean }>(`SELECT ${fn}(hashtext($1)) AS held`, [`${this.schema}:processes`]);
      if (!rows[0].held) {
        await client.end().catch(() => undefined);
        return null;
      }
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    // The session keeps the lock until close() ends it, or until the connection dies.
    client.off('error', early);
    const lost = (error: Error) => this.processLockLost(client, error);
    client.on('error', lost);
    client.on('end', () => lost(new Error('Connection terminated unexpectedly')));
    return client;
  }

  private processLockLost(client: pg.Client, error: Error): void {
    const lock = this.processLock;
    if (this.closed || !lock || lock.client !== client) return;
    lock.client = null;
    lock.state = 'lost';
    void client.end().catch(() => undefined);
    this.log.error({ err: error }, "PostgreSQL: the connection holding this process's lock was lost; retaking it on a new connection (calls answer 503 meanwhile)");
    void this.retakeProcessLock(lock);
  }

  private async retakeProcessLock(lock: NonNullable<PostgresDatabase['processLock']>): Promise<void> {
    // The first try at once (a killed backend on a database that is up), then later each time.
    for (let wait = 0; !this.closed; wait = Math.min(Math.max(wait * 2, LOCK_RETRY_MS.first), LOCK_RETRY_MS.max)) {
      if (wait > 0) await pause(wait);
      if (this.closed) return;
      try {
        const client = await this.takeProcessLock(lock.mode);
        if (this.closed) return void (await client?.end().catch(() => undefined));
        if (client) {
          lock.client = client;
          lock.state = 'held';
          this.log.info({}, "PostgreSQL: this process's lock is held again; serving");
          return;
        }
        if (lock.state !== 'taken') this.log.error({}, `PostgreSQL: ${UNAVAILABLE.lockTaken}`);
        lock.state = 'taken';
      } catch {
        // The database is still away: try again, later each time. (Logged when the lock was lost.)
      }
    }
  }

  async exec(text: string): Promise<void> {
    await this.pool.query(text);
  }

  /** Notifications of other processes' writes received, plus one for each time the listener was down or came back. */
  private writesSeen = 0;
  private listener: pg.Client | null = null;
  private listening = false;
  private closed = false;
  /** When the listener may next try to connect (real time), and how long it waits after the next failure. */
  private listenNotBefore = 0;
  private listenBackoff: number = LISTEN_RETRY_MS.first;

  /** The channel on which the processes of this instance announce their writes. */
  private get writesChannel(): string {
    return `pinbox_writes_${this.schema}`;
  }

  /**
   * Counts other processes' announced writes, heard with LISTEN on a connection of
   * its own outside the pool (opened at the first call). While that connection is
   * not up, every call returns a new number, so nothing cached is trusted until it is
   * back; and it moves once more when it is back, for what was announced while it was down.
   */
  externalWrites(): number {
    if (this.listener || this.closed) return this.writesSeen;
    if (!this.listening && Date.now() >= this.listenNotBefore) {
      this.listening = true;
      void this.listen().finally(() => (this.listening = false));
    }
    return ++this.writesSeen;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ ...this.connection, application_name: applicationName(this.schema, 'listen') });
    let ended = false;
    // A dropped connection (a database restart) must not take the process with it: listen again on the next call.
    const lost = (error?: Error) => {
      if (ended) return;
      ended = true;
      if (this.listener === client) {
        this.listener = null;
        this.log.warn({ err: error }, "PostgreSQL: the connection listening for other processes' writes was lost; caches are not trusted until it is back");
      }
      this.writesSeen++;
      void client.end().catch(() => undefined);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', () => void this.writesSeen++);
    try {
      await client.connect();
      await client.query(`LISTEN "${this.writesChannel}"`);
      if (this.closed) return void (await client.end());
      this.listener = client;
      // What other processes announced while no connection listened is lost: everything cached is stale.
      this.writesSeen++;
      this.listenBackoff = LISTEN_RETRY_MS.first;
    } catch {
      lost();
      this.listenNotBefore = Date.now() + this.listenBackoff;
      this.listenBackoff = Math.min(this.listenBackoff * 2, LISTEN_RETRY_MS.max);
    }
  }

  async announceWrite(): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [this.writesChannel, '']);
  }

  async close(): Promise<void> {
    this.closed = true;
    const lockClient = this.processLock?.client;
    this.processLock = null;
    await lockClient?.end().catch(() => undefined);
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
    await this.pool.end();
  }
}

/**
 * How a connection names itself in `pg_stat_activity` (`pinbox team_a lock`), so an
 * operator (or a test) can tell the pool's connections from the lock's and the listener's.
 */
export function applicationName(schema: string, role: 'pool' | 'lock' | 'listen'): string {
  // PostgreSQL keeps 63 bytes of it; the role comes first so a long schema name cannot cut it off.
  return `pinbox ${role} ${schema}`.slice(0, 63);
}
