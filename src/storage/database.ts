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
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
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
