import type Database from 'better-sqlite3';

/**
 * The storage interface the ledger's domain rules are written against: a synchronous SQL
 * connection, the shape better-sqlite3 already has. SQLite passes its own statements through;
 * PostgreSQL (ledger/postgres) implements the same calls over a synchronous bridge, so the hash
 * chain, sealing, jobs and portal code is one body of code for both engines.
 *
 * SQL written against it is plain portable SQL with `?` or `@name` placeholders; the PostgreSQL
 * adapter translates the placeholders and the few SQLite spellings it knows (see its dialect).
 */
export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface Statement {
  run(...params: unknown[]): RunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
  /** Rows become their first column's value (toggle false turns it off again). */
  pluck(toggle?: boolean): this;
  /**
   * As `get`, but the read may wait to be sent with the next statement (PostgreSQL: one round trip
   * for reads that do not depend on each other); the row is what the returned function gives.
   * Optional: see `getLater` below for engines without it.
   */
  getLater?(...params: unknown[]): () => unknown;
}

/** Queues a read where the engine can (Statement.getLater); elsewhere reads at once. */
export function getLater(statement: Statement, ...params: unknown[]): () => unknown {
  if (statement.getLater) return statement.getLater(...params);
  const row = statement.get(...params);
  return () => row;
}

/** A function that runs in one transaction; nested calls become savepoints. */
export interface Transaction<A extends unknown[], R> {
  (...args: A): R;
  /** Takes the write lock before the first statement (SQLite BEGIN IMMEDIATE; PostgreSQL the append lock). */
  immediate(...args: A): R;
  /**
   * For reading one state of the ledger without holding writers up. SQLite: takes the lock at the
   * first write (reads see one snapshot); PostgreSQL: a read-only snapshot (a write in it fails).
   */
  deferred(...args: A): R;
}

export type Engine = 'sqlite' | 'postgres';

export interface Db {
  readonly engine: Engine;
  prepare(sql: string): Statement;
  /** Runs SQL without parameters (several statements allowed). */
  exec(sql: string): void;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): Transaction<A, R>;
  readonly inTransaction: boolean;
  /** The SQLite connection, for SQLite's own tuning (WAL, busy timeout, backups); null on PostgreSQL. */
  readonly sqlite: Database.Database | null;
  close(): void;
}

/** Where the ledger lives: a SQLite file path, or a `postgres://` / `postgresql://` URL. */
export type DatabaseLocation = string;

export function isPostgresUrl(location: DatabaseLocation): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}
