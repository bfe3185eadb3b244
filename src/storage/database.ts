/**
 * The storage port. Families write portable SQL with `?` placeholders against this
 * interface; each engine has one adapter (SQLite now, PostgreSQL later) that
 * translates placeholders and runs it. Routes never see an adapter.
 */
export type SqlValue = string | number | bigint | null | Buffer | Uint8Array;

export interface RunResult {
  changes: number;
}

export interface Queryable {
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult>;
}

/** A handle that is known to be inside a transaction. */
export interface Transaction extends Queryable {
  readonly inTransaction: true;
  /**
   * Holds a lock named `key` until the transaction ends, so transactions that keep
   * one rule over several rows (the names of one owner's boards) take turns while
   * all others run on. PostgreSQL: a transaction-scoped advisory lock keyed by the
   * schema and `key`; SQLite runs its transactions one at a time already, so it
   * does nothing. Take several in a fixed order (the same everywhere), or two
   * transactions may each hold one and wait for the other.
   * @example await tx.lock(`board-names:${ownerId}`);
   */
  lock(key: string): Promise<void>;
  /**
   * Runs `fn` once the transaction has committed (never for an attempt that rolled
   * back and ran again), before `transaction()` returns: for what must not happen
   * unless the write landed, such as telling other processes to drop what they
   * cached of it. A failure of `fn` is logged by the caller's `fn`, not thrown: the
   * write is committed either way.
   */
  afterCommit(fn: () => void | Promise<void>): void;
}

/**
 * How a transaction keeps its rules on PostgreSQL (SQLite runs every transaction
 * alone, so it ignores this). `serializable`, the default, is always right: a
 * transaction that conflicts with another is run again. `read committed` is for
 * the hot paths that keep their rules row by row themselves: a conditional update
 * that changes one row or none, `SELECT … FOR UPDATE` on the rows whose counts
 * they keep (see each store's `lock` variants), a unique constraint, or a
 * narrowly keyed `tx.lock`; they then never fail for a conflict, they wait for the
 * row, and transactions on other rows never wait for them.
 */
export interface TransactionOptions {
  isolation?: 'serializable' | 'read committed';
}

export interface Database extends Queryable {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Runs `fn` in one transaction: every write in it lands, or none does.
   * @example
   * await db.transaction(async (tx) => {
   *   await tx.run('INSERT INTO pins ...', [...]);
   *   await tx.run('UPDATE boards SET pin_count = pin_count + 1 WHERE id = ?', [boardId]);
   * });
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Runs `fn` while no other process runs `fn` under the same name on this
   * database: start-up work (migrations, the first start's identity) of several
   * pinbox processes starting together. SQLite has one process per file at start-up
   * in practice and its own write lock across processes, so it simply runs `fn`.
   */
  exclusively<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Runs a multi-statement script (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * A number that moves when another process changed the store (SQLite: any commit
   * by another connection; PostgreSQL: an `announceWrite` of another process). Cheap
   * enough for every request: what a process caches from the store is stale once it moved.
   */
  externalWrites(): number;
  /** Tells the other processes on this store that it changed (the CLI's admin commands end with it). */
  announceWrite(): Promise<void>;
  close(): Promise<void>;
}

/** Throws unless `q` is a transaction handle; for code that must not run outside one. */
export function assertTransaction(q: Queryable): asserts q is Transaction {
  if (!(q as Partial<Transaction>).inTransaction) {
    throw new Error('this write must run inside db.transaction()');
  }
}
