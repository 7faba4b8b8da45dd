import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { KeyRing } from '../../src/crypto/keyring';
import { isPostgresUrl, type Db } from '../../src/ledger/driver';
import { Ledger } from '../../src/ledger/ledger';
import { SyncPgClient } from '../../src/ledger/postgres/sync-client';

/**
 * One suite, two engines. Without TEST_DATABASE_URL every test's ledger is the SQLite file it
 * names; with `TEST_DATABASE_URL=postgres://user@host:port/postgres npx jest`, each such file stands
 * for a fresh PostgreSQL database of its own on that server (made on first use in this process,
 * dropped by a later run once this process is gone). The URL names a database the test user can
 * connect to and create databases from.
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || null;
export const testEngine: 'sqlite' | 'postgres' = TEST_DATABASE_URL ? 'postgres' : 'sqlite';

let admin: SyncPgClient | null = null;
const made = new Map<string, string>();

function adminClient(url: string): SyncPgClient {
  if (!admin) {
    admin = new SyncPgClient(url);
    dropAbandoned(admin);
  }
  return admin;
}

/** Test databases whose process has ended: nobody will open them again. */
function dropAbandoned(client: SyncPgClient): void {
  const rows = client.query(
    "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database WHERE datname LIKE 'consent_test_%'",
    [],
    false,
  ).rows as Array<[string, string | null]>;
  for (const [name, comment] of rows) {
    const pid = Number(/^pid (\d+)/.exec(comment ?? '')?.[1]);
    if (!pid || alive(pid)) continue;
    try {
      client.exec(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } catch {
      // Another run dropped it first.
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A fresh, empty PostgreSQL database (no schema yet) and its URL. */
export function freshPostgresDatabase(url: string, label: string): string {
  const client = adminClient(url);
  const name = `consent_test_${crypto.randomBytes(8).toString('hex')}`;
  client.exec(`CREATE DATABASE "${name}"`);
  client.exec(`COMMENT ON DATABASE "${name}" IS 'pid ${process.pid}: ${label.replace(/'/g, '')}'`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  return target.toString();
}

/** Where the ledger a test calls `file` lives on the engine under test (the same place every call). */
export function testDatabase(file: string): string {
  if (!TEST_DATABASE_URL || isPostgresUrl(file)) return file;
  let url = made.get(file);
  if (!url) {
    url = freshPostgresDatabase(TEST_DATABASE_URL, file);
    made.set(file, url);
  }
  return url;
}

/** Environment for a server or `consent` process that must open the same ledger. */
export function testDatabaseEnv(file: string): { DATABASE_PATH: string; DATABASE_URL?: string } {
  return TEST_DATABASE_URL
    ? { DATABASE_PATH: file, DATABASE_URL: testDatabase(file) }
    : { DATABASE_PATH: file };
}

/** The one way tests open a ledger: on the SQLite file, or on its PostgreSQL stand-in. */
export function openTestLedger(file: string, keyRing: KeyRing): Ledger {
  return new Ledger(testDatabase(file), keyRing);
}

/** Lifts a table's append-only guard, so a test can play the attacker who has the database. */
export function dropAppendOnlyGuard(db: Db, table: string): void {
  if (db.engine === 'postgres') db.exec(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
  else {
    db.exec(`DROP TRIGGER IF EXISTS ${table}_no_update`);
    db.exec(`DROP TRIGGER IF EXISTS ${table}_no_delete`);
  }
}

/** Everything the database holds, as bytes: what someone who copied it would have. */
export function storedBytes(ledger: Ledger): Buffer {
  if (ledger.db.engine === 'sqlite') {
    const file = ledger.location;
    const parts = [file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f));
    return Buffer.concat(parts);
  }
  const tables = ledger.db
    .prepare("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
    .pluck()
    .all() as string[];
  const rows = tables.flatMap(
    (t) => ledger.db.prepare(`SELECT CAST(x AS TEXT) FROM "${t}" AS x`).pluck().all() as string[],
  );
  return Buffer.from(rows.join('\n'));
}

/**
 * Takes a backup of a test's ledger now; `restore()` (after the ledger was closed) gives the name
 * to open it under as it was at the backup: SQLite's online backup and a copy of the file over the
 * ledger, or on PostgreSQL pg_dump into a database of its own.
 */
export async function backupTestDatabase(file: string, ledger: Ledger): Promise<{ restore: () => string }> {
  if (ledger.db.sqlite) {
    const copy = `${file}.backup`;
    await ledger.db.sqlite.backup(copy);
    return {
      restore() {
        for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
        fs.copyFileSync(copy, file);
        return file;
      },
    };
  }
  const restoredName = copyTestDatabase(file, `${file}#restored`);
  return { restore: () => restoredName };
}

/** Makes every insert of an event fail inside the database, as on a full or failing disk. */
export function breakEventInserts(db: Db): void {
  db.exec(
    db.engine === 'postgres'
      ? "CREATE TRIGGER ledger_down BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION forbid_change('disk I/O error')"
      : "CREATE TRIGGER ledger_down BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END",
  );
}

export function repairEventInserts(db: Db): void {
  db.exec(
    db.engine === 'postgres'
      ? 'DROP TRIGGER IF EXISTS ledger_down ON events'
      : 'DROP TRIGGER IF EXISTS ledger_down',
  );
}

/** Copies a test's ledger (closed, or at rest) to the name `to`: the file, or a pg_dump into a fresh database. */
export function copyTestDatabase(from: string, to: string): string {
  if (!TEST_DATABASE_URL) {
    fs.copyFileSync(from, to);
    return to;
  }
  const copy = freshPostgresDatabase(TEST_DATABASE_URL, to);
  execFileSync(
    'sh',
    ['-c', 'pg_dump --no-owner --dbname="$FROM" | psql -q -v ON_ERROR_STOP=1 --dbname="$TO"'],
    {
      env: { ...process.env, FROM: testDatabase(from), TO: copy },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  made.set(to, copy);
  return to;
}
