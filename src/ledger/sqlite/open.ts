import fs from 'node:fs';
import path from 'node:path';
import { SqliteDatabase } from './binding';
import { MIGRATIONS } from '../migrations';
import { isBusy, SqliteDb } from './sqlite-db';

/**
 * How long a connection waits for another connection's write lock before it fails. Every write
 * transaction takes the lock up front (BEGIN IMMEDIATE), so this wait is the only one there is:
 * a transaction that read first and then asked for the lock would fail at once (SQLITE_BUSY on
 * a stale snapshot) however long the timeout. Writers hold the lock for milliseconds.
 */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Runs fn again while it fails with SQLITE_BUSY, for up to the busy timeout. Switching a new file
 * to WAL while another connection does the same returns SQLITE_BUSY at once, without calling the
 * busy handler (SQLite gives up where waiting could deadlock): 1 in 300 to 500 starts of three
 * instances on an empty file failed so. Opening is synchronous, so the pauses block.
 */
function untilNotBusy<T>(fn: () => T): T {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return fn();
    } catch (error) {
      if (!isBusy(error) || Date.now() > deadline) throw error;
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(50, 2 ** attempt));
  }
}

/** Opens the ledger file in WAL mode and applies pending migrations inside one transaction each. */
export function openSqlite(file: string): SqliteDb {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const db = new SqliteDatabase(file);
  // First: switching to WAL and migrating need locks another process (a second server, a CLI) may hold.
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  untilNotBusy(() => db.pragma('journal_mode = WAL'));
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  untilNotBusy(() =>
    db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    ),
  );
  const applied = (): Set<number> =>
    new Set(db.prepare('SELECT id FROM schema_migrations').pluck().all() as number[]);
  if (MIGRATIONS.every((m) => applied().has(m.id))) return new SqliteDb(db);
  for (const migration of MIGRATIONS) {
    db.transaction(() => {
      // Read again under the lock: processes started at the same moment migrate once.
      if (applied().has(migration.id)) return;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)').run(
        migration.id,
        migration.name,
        new Date().toISOString(),
      );
    }).immediate();
  }
  return new SqliteDb(db);
}
