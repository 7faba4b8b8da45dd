import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Db } from '../../src/ledger/database';
import { PgDb } from '../../src/ledger/postgres/pg-db';
import { testDatabase, testEngine } from '../support/test-database';

/**
 * Write transactions as the domain code relies on them, on the engine under test. On PostgreSQL
 * the adapter sends a transaction's writes with the next statement it waits for (one round trip
 * to its thread and to the server for all of them), and every failure must still fail the
 * transaction, with nothing of it committed.
 */
const dbs: Db[] = [];
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-'));
});
afterAll(() => {
  for (const db of dbs.splice(0)) db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
const fresh = (): Db => {
  const db = openDatabase(testDatabase(path.join(dir, `l${dbs.length}.db`)));
  db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, body BYTEA)');
  dbs.push(db);
  return db;
};
const ids = (db: Db): string[] => db.prepare('SELECT id FROM t ORDER BY id').pluck().all() as string[];
/** Messages the PostgreSQL connection sent to its thread (each one a round trip to the server). */
const roundTrips = (db: Db): number => (db instanceof PgDb ? db.client.roundTrips : 0);

describe(`a write transaction (${testEngine})`, () => {
  if (testEngine === 'postgres')
    test('sends its writes together with its next read: ten inserts, a read and the commit are two round trips', () => {
      const db = fresh();
      const insert = db.prepare('INSERT INTO t (id) VALUES (?)');
      const before = roundTrips(db);
      const seen = db.transaction(() => {
        for (let i = 0; i < 10; i += 1) insert.run(`r${i}`);
        return db.prepare('SELECT COUNT(*) AS n FROM t').pluck().get();
      })();
      expect(seen).toBe(10);
      expect(roundTrips(db) - before).toBe(2);
      expect(ids(db)).toHaveLength(10);
    });

  test('a write whose result is read gives its own result (INSERT OR IGNORE reports what it changed)', () => {
    const db = fresh();
    const insert = db.prepare('INSERT OR IGNORE INTO t (id) VALUES (?)');
    const changes = db.transaction(() => [
      insert.run('a').changes,
      insert.run('a').changes,
      insert.run('b'),
    ])();
    expect(changes.slice(0, 2)).toEqual([1, 0]);
    // Read after the commit, the last one's result is there too.
    expect((changes[2] as { changes: number }).changes).toBe(1);
    expect(ids(db)).toEqual(['a', 'b']);
  });

  test('a failing write fails the transaction at its commit, and none of its writes is kept', () => {
    const db = fresh();
    db.prepare('INSERT INTO t (id) VALUES (?)').run('taken');
    const insert = db.prepare('INSERT INTO t (id) VALUES (?)');
    expect(() =>
      db.transaction(() => {
        insert.run('new-1');
        insert.run('taken');
        insert.run('new-2');
      })(),
    ).toThrow(
      expect.objectContaining({ code: testEngine === 'postgres' ? '23505' : 'SQLITE_CONSTRAINT_PRIMARYKEY' }),
    );
    expect(ids(db)).toEqual(['taken']);
    // The connection is usable again at once.
    db.transaction(() => insert.run('after'))();
    expect(ids(db)).toEqual(['after', 'taken']);
  });

  if (testEngine === 'postgres')
    test('a failing write fails the first read after it, inside the transaction', () => {
      const db = fresh();
      db.prepare('INSERT INTO t (id) VALUES (?)').run('taken');
      let thrownAt = '';
      expect(() =>
        db.transaction(() => {
          db.prepare('INSERT INTO t (id) VALUES (?)').run('taken');
          thrownAt = 'read';
          db.prepare('SELECT 1').get();
          thrownAt = 'none';
        })(),
      ).toThrow(
        expect.objectContaining({
          code: testEngine === 'postgres' ? '23505' : 'SQLITE_CONSTRAINT_PRIMARYKEY',
        }),
      );
      expect(thrownAt).toBe('read');
      expect(ids(db)).toEqual(['taken']);
    });

  test('a transaction that throws before its first read keeps nothing (and on PostgreSQL sends nothing, not even BEGIN)', () => {
    const db = fresh();
    const insert = db.prepare('INSERT INTO t (id) VALUES (?)');
    const before = roundTrips(db);
    expect(() =>
      db.transaction(() => {
        insert.run('never');
        throw new Error('changed its mind');
      })(),
    ).toThrow('changed its mind');
    expect(roundTrips(db)).toBe(before);
    expect(db.inTransaction).toBe(false);
    expect(ids(db)).toEqual([]);
  });

  test('a savepoint whose write fails rolls back only its own writes', () => {
    const db = fresh();
    db.prepare('INSERT INTO t (id) VALUES (?)').run('taken');
    const insert = db.prepare('INSERT INTO t (id) VALUES (?)');
    const inner = db.transaction(() => {
      insert.run('inner');
      insert.run('taken');
    });
    db.transaction(() => {
      insert.run('outer-1');
      expect(() => inner()).toThrow(
        expect.objectContaining({
          code: testEngine === 'postgres' ? '23505' : 'SQLITE_CONSTRAINT_PRIMARYKEY',
        }),
      );
      insert.run('outer-2');
    })();
    expect(ids(db)).toEqual(['outer-1', 'outer-2', 'taken']);
  });

  if (testEngine === 'postgres')
    test('a transaction whose connection is lost before its commit fails and keeps nothing; the next one runs on a new connection', () => {
      const db = fresh();
      const admin = fresh();
      const insert = db.prepare('INSERT INTO t (id) VALUES (?)');
      expect(() =>
        db.transaction(() => {
          insert.run('lost');
          const pid = db.prepare('SELECT pg_backend_pid()').pluck().get();
          admin.prepare('SELECT pg_terminate_backend(?)').run(pid);
          // Give the pg thread time to see its connection go: the COMMIT must not reconnect and run alone.
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
          insert.run('after-the-loss');
        })(),
      ).toThrow(/connection/);
      db.transaction(() => insert.run('next'))();
      expect(ids(db)).toEqual(['next']);
    });

  test('a buffer written is stored as it was when written, though the caller reuses it before the commit', () => {
    const db = fresh();
    const buffer = Buffer.from('first');
    db.transaction(() => {
      db.prepare('INSERT INTO t (id, body) VALUES (?, ?)').run('b', buffer);
      buffer.write('later');
    })();
    const body = db.prepare('SELECT body FROM t WHERE id = ?').pluck().get('b') as Buffer;
    expect(body.toString()).toBe('first');
  });
});
