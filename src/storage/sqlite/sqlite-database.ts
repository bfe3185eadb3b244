import BetterSqlite3 from 'better-sqlite3';
import type { Database, RunResult, SqlValue, Transaction, TransactionOptions } from '../database.js';

type Statement = BetterSqlite3.Statement<unknown[], unknown>;

/**
 * The SQLite adapter: better-sqlite3 on one connection, in memory or in a file.
 *
 * better-sqlite3 is synchronous and one connection is shared by every request, so
 * an open transaction must not see other requests' statements slip in between its
 * awaits. Transactions therefore run one at a time (a promise queue), and
 * statements outside a transaction wait while one is open. With no transaction
 * open, a statement runs at once: the hot read path pays nothing for the queue.
 */
export class SqliteDatabase implements Database {
  readonly dialect = 'sqlite' as const;
  private readonly statements = new Map<string, Statement>();
  private queueTail: Promise<void> = Promise.resolve();
  private active: Promise<void> | null = null;

  private constructor(private readonly db: BetterSqlite3.Database) {}

  /** Opens `file`, or a private in-memory database when `file` is undefined. */
  static open(file?: string): SqliteDatabase {
    const db = new BetterSqlite3(file ?? ':memory:');
    if (file) {
      // WAL lets readers proceed during a write; synchronous=NORMAL in WAL mode
      // keeps every committed transaction across a crash of the process (the
      // kill -9 case), trading only the last commits on a power loss for speed.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    return new SqliteDatabase(db);
  }

  private prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private async idle(): Promise<void> {
    while (this.active) await this.active;
  }

  private getNow<T>(sql: string, params: readonly SqlValue[]): T | undefined {
    return this.prepare(sql).get(...params) as T | undefined;
  }

  private allNow<T>(sql: string, params: readonly SqlValue[]): T[] {
    return this.prepare(sql).all(...params) as T[];
  }

  private runNow(sql: string, params: readonly SqlValue[]): RunResult {
    return { changes: this.prepare(sql).run(...params).changes };
  }

  async get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    if (this.active) await this.idle();
    return this.getNow<T>(sql, params);
  }

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    if (this.active) await this.idle();
    return this.allNow<T>(sql, params);
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    if (this.active) await this.idle();
    return this.runNow(sql, params);
  }

  /** One at a time on one connection: every isolation is serializable here, so `options` changes nothing. */
  async transaction<T>(fn: (tx: Transaction) => Promise<T>, _options?: TransactionOptions): Promise<T> {
    const previous = this.queueTail;
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    this.queueTail = previous.then(() => done);
    await previous;
    this.active = done;
    let open = true;
    const guard = () => {
      if (!open) throw new Error('transaction handle used after the transaction ended');
    };
    const committed: (() => void | Promise<void>)[] = [];
    const tx: Transaction = {
      inTransaction: true,
      get: async <R>(sql: string, params: readonly SqlValue[] = []) => (guard(), this.getNow<R>(sql, params)),
      all: async <R>(sql: string, params: readonly SqlValue[] = []) => (guard(), this.allNow<R>(sql, params)),
      run: async (sql: string, params: readonly SqlValue[] = []) => (guard(), this.runNow(sql, params)),
      // Transactions run one at a time on this connection: a lock would add nothing.
      lock: async () => guard(),
      afterCommit: (fn) => void (guard(), committed.push(fn)),
    };
    let result: T;
    try {
      this.prepare('BEGIN IMMEDIATE').run();
      result = await fn(tx);
      this.prepare('COMMIT').run();
    } catch (error) {
      if (this.db.inTransaction) this.prepare('ROLLBACK').run();
      throw error;
    } finally {
      open = false;
      this.active = null;
      release();
    }
    for (const after of committed) await after();
    return result;
  }

  exclusively<T>(_name: string, fn: () => Promise<T>): Promise<T> {
    return fn();
  }

  private dataVersion: BetterSqlite3.Statement<unknown[], number> | null = null;

  /** SQLite's data_version: it changes when another connection (a CLI command) commits, never for this one's own writes. */
  externalWrites(): number {
    this.dataVersion ??= this.db.prepare('PRAGMA data_version').pluck() as BetterSqlite3.Statement<unknown[], number>;
    return this.dataVersion.get() as number;
  }

  /** Another connection's commit already moves this store's data_version for every other process. */
  async announceWrite(): Promise<void> {}

  async exec(sql: string): Promise<void> {
    await this.idle();
    this.db.exec(sql);
  }

  async close(): Promise<void> {
    await this.idle();
    await this.queueTail;
    if (this.db.open) this.db.close();
  }
}
