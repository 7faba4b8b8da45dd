import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MIGRATIONS } from '../../src/ledger/migrations';
import { PG_MIGRATIONS } from '../../src/ledger/postgres/migrations';
import { openPostgres } from '../../src/ledger/postgres/pg-db';
import { openSqlite } from '../../src/ledger/sqlite/open';
import { TEST_DATABASE_URL, freshPostgresDatabase } from '../support/test-database';

/** Both engines' schemas move together: a migration added for one is added for the other. */
describe('the SQLite and PostgreSQL migrations', () => {
  test('every SQLite migration has a PostgreSQL twin under the same id and name, in the same order', () => {
    expect(PG_MIGRATIONS.map((m) => [m.id, m.name])).toEqual(MIGRATIONS.map((m) => [m.id, m.name]));
  });

  const sqliteColumns = (): string[] => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parity-'));
    try {
      const db = openSqlite(path.join(dir, 'l.db'));
      const rows = db
        .prepare(
          "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        )
        .all() as Array<{ t: string; c: string }>;
      db.close();
      return rows.map((r) => `${r.t}.${r.c}`).sort();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  // Needs a PostgreSQL server: part of the suite's PostgreSQL run (TEST_DATABASE_URL).
  if (TEST_DATABASE_URL)
    test('give the same tables and columns', () => {
      const db = openPostgres(freshPostgresDatabase(TEST_DATABASE_URL as string, 'parity'));
      const rows = db
        .prepare(
          "SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = 'public'",
        )
        .all() as Array<{ t: string; c: string }>;
      db.close();
      expect(rows.map((r) => `${r.t}.${r.c}`).sort()).toEqual(sqliteColumns());
    });
});
