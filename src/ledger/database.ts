import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations';

export type Db = Database.Database;

/**
 * How long a connection waits for another connection's write lock before it fails. Every write
 * transaction takes the lock up front (BEGIN IMMEDIATE), so this wait is the only one there is:
 * a transaction that read first and then asked for the lock would fail at once (SQLITE_BUSY on
 * a stale snapshot) however long the timeout. Writers hold the lock for milliseconds.
 */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Runs fn in a transaction that takes SQLite's write lock before its first read (BEGIN IMMEDIATE),
 * waiting up to the busy timeout for it; inside an open transaction it becomes a savepoint. Every
 * write transaction on the ledger goes through here (or Ledger.transaction, which does the same).
 */
export function writeTransaction<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate();
}

/** Opens the ledger file in WAL mode and applies pending migrations inside one transaction each. */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file);
  // First: switching to WAL and migrating need locks another process (a second server, a CLI) may hold.
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  const applied = (): Set<number> =>
    new Set(db.prepare('SELECT id FROM schema_migrations').pluck().all() as number[]);
  if (MIGRATIONS.every((m) => applied().has(m.id))) return db;
  for (const migration of MIGRATIONS) {
    writeTransaction(db, () => {
      // Read again under the lock: processes started at the same moment migrate once.
      if (applied().has(migration.id)) return;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)').run(
        migration.id,
        migration.name,
        new Date().toISOString(),
      );
    });
  }
  return db;
}

/** True for SQLite's "database is locked" family (SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, ...). */
export function isBusy(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY');
}

/** Lock waits of a connection the event loop shares: short, so a webhook never waits behind one. */
const YIELDING_BUSY_MS = 20;

/**
 * writeTransaction for a connection shared with the event loop (the server's main connection):
 * SQLite waits for a lock synchronously, so this waits in short steps and yields to the event
 * loop between them, for up to `totalMs`, instead of blocking every webhook for the busy timeout.
 */
export async function writeYielding<T>(
  db: Db,
  fn: () => T,
  /** The transaction to run fn in: the Ledger's own, so that what it binds into the log is bound. */
  transaction: (fn: () => T) => T = (f) => writeTransaction(db, f),
  totalMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + totalMs;
  for (let attempt = 0; ; attempt++) {
    db.pragma(`busy_timeout = ${YIELDING_BUSY_MS}`);
    try {
      return transaction(fn);
    } catch (error) {
      if (!isBusy(error) || db.inTransaction || Date.now() > deadline) throw error;
    } finally {
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
    const pause = Math.min(100, 2 ** attempt) * (0.5 + Math.random());
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}
