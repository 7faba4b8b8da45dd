import type BetterSqlite3 from 'better-sqlite3';
import { SqliteDatabase } from './binding';
import type { Db, Statement, Transaction } from '../driver';

/**
 * The embedded engine: better-sqlite3 is the storage interface's model, so statements and
 * transactions pass straight through (no copy, no translation).
 */
export class SqliteDb implements Db {
  readonly engine = 'sqlite' as const;

  constructor(readonly sqlite: BetterSqlite3.Database) {}

  prepare(sql: string): Statement {
    return this.sqlite.prepare(sql);
  }

  exec(sql: string): void {
    this.sqlite.exec(sql);
  }

  transaction<A extends unknown[], R>(fn: (...args: A) => R): Transaction<A, R> {
    return this.sqlite.transaction(fn);
  }

  get inTransaction(): boolean {
    return this.sqlite.inTransaction;
  }

  close(): void {
    this.sqlite.close();
  }
}

/** True for SQLite's "database is locked" family (SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, ...). */
export function isBusy(error: unknown): boolean {
  return error instanceof SqliteDatabase.SqliteError && error.code.startsWith('SQLITE_BUSY');
}
