import { isPostgresUrl, type DatabaseLocation, type Db } from './driver';
import { openPostgres } from './postgres/pg-db';
import { BUSY_TIMEOUT_MS, openSqlite } from './sqlite/open';
import { isBusy } from './sqlite/sqlite-db';

export type { Db } from './driver';
export { BUSY_TIMEOUT_MS } from './sqlite/open';
export { isBusy } from './sqlite/sqlite-db';

/**
 * Opens the ledger's database and applies pending migrations: a `postgres://` URL opens the shared
 * engine (DATABASE_URL), anything else is a SQLite file (DATABASE_PATH).
 */
export function openDatabase(location: DatabaseLocation): Db {
  return isPostgresUrl(location) ? openPostgres(location) : openSqlite(location);
}

/**
 * Runs fn in a transaction that takes the write lock before its first read (SQLite BEGIN
 * IMMEDIATE, PostgreSQL the append lock), waiting for it; inside an open transaction it becomes a
 * savepoint. Every write transaction on the ledger goes through here (or Ledger.transaction).
 */
export function writeTransaction<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate();
}

/** Lock waits of a connection the event loop shares: short, so a webhook never waits behind one. */
const YIELDING_BUSY_MS = 20;

/**
 * writeTransaction for a connection shared with the event loop (the server's main connection):
 * SQLite waits for a lock synchronously, so this waits in short steps and yields to the event
 * loop between them, for up to `totalMs`, instead of blocking every webhook for the busy timeout.
 * On PostgreSQL the append lock is held for one transaction's statements only: it just runs.
 */
export async function writeYielding<T>(
  db: Db,
  fn: () => T,
  /** The transaction to run fn in: the Ledger's own, so that what it binds into the log is bound. */
  transaction: (fn: () => T) => T = (f) => writeTransaction(db, f),
  totalMs = 60_000,
): Promise<T> {
  const sqlite = db.sqlite;
  if (!sqlite) return transaction(fn);
  const deadline = Date.now() + totalMs;
  for (let attempt = 0; ; attempt++) {
    sqlite.pragma(`busy_timeout = ${YIELDING_BUSY_MS}`);
    try {
      return transaction(fn);
    } catch (error) {
      if (!isBusy(error) || db.inTransaction || Date.now() > deadline) throw error;
    } finally {
      sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
    const pause = Math.min(100, 2 ** attempt) * (0.5 + Math.random());
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}
