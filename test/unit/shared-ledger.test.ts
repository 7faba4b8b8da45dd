import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeyRing } from '../../src/crypto/keyring';
import type { Ledger } from '../../src/ledger';
import { MIGRATIONS } from '../../src/ledger/migrations';
import { ledgerThreads } from '../support/ledger-worker';
import { openTestLedger, testDatabase, testEngine } from '../support/test-database';

/**
 * Several connections on one ledger at the same moment, as several instances (or a server and the
 * CLI) have: each thread below opens its own connection. Runs on SQLite, and on PostgreSQL with
 * TEST_DATABASE_URL set.
 */
const key = crypto.randomBytes(32);
let dir: string;
let file: string;
const open: Ledger[] = [];
const connect = (): Ledger => {
  const ledger = openTestLedger(file, new KeyRing([{ id: 'k1', key }]));
  open.push(ledger);
  return ledger;
};

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shared-ledger-'));
  file = path.join(dir, 'ledger.db');
});
afterEach(() => {
  for (const l of open.splice(0)) l.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe(`one ledger shared by several connections (${testEngine})`, () => {
  test('three instances starting at the same moment on an empty database migrate it once and all open it', async () => {
    const location = testDatabase(file);
    const sizes = await ledgerThreads(location, key, [
      { kind: 'open' },
      { kind: 'open' },
      { kind: 'open' },
    ]).go();
    expect(sizes).toEqual([0, 0, 0]);
    const ledger = connect();
    const ids = ledger.db.prepare('SELECT id FROM schema_migrations ORDER BY id').pluck().all();
    expect(ids).toEqual(MIGRATIONS.map((m) => m.id));
  });

  test('appends from four connections at once make one gapless chain and one Merkle log, none lost', async () => {
    connect();
    const per = 40;
    const labels = ['A', 'B', 'C', 'D'];
    const done = await ledgerThreads(
      testDatabase(file),
      key,
      labels.map((label) => ({ kind: 'append' as const, count: per, label })),
    ).go();
    expect(done).toEqual(labels.map(() => per));
    const ledger = connect();
    expect(ledger.verifyChain()).toMatchObject({ ok: true, checked: per * labels.length });
    const seqs = ledger.db.prepare('SELECT seq FROM events ORDER BY seq').pluck().all();
    expect(seqs).toEqual(Array.from({ length: per * labels.length }, (_, i) => i + 1));
    for (const label of labels) expect(ledger.eventsForCall(label)).toHaveLength(per);
    expect(ledger.merkle.size()).toBe(per * labels.length);
    // The log's root is the one its events give, recomputed from scratch by a fresh connection.
    const again = connect();
    expect(again.merkle.root(per * labels.length).equals(ledger.merkle.root(per * labels.length))).toBe(true);
  });

  test('jobs claimed by three claimers at once are each taken by exactly one of them', async () => {
    const ledger = connect();
    const count = 150;
    ledger.transaction(() => {
      for (let i = 0; i < count; i += 1) ledger.enqueue('test', { i }, { runAt: Date.now() - 1000 });
    });
    const claims = (await ledgerThreads(testDatabase(file), key, [
      { kind: 'claim', owner: 'one' },
      { kind: 'claim', owner: 'two' },
      { kind: 'claim', owner: 'three' },
    ]).go()) as number[][];
    const all = claims.flat();
    expect(all).toHaveLength(count);
    expect(new Set(all).size).toBe(count);
    const owners = ledger.db
      .prepare(
        "SELECT COUNT(*) FROM jobs WHERE status = 'running' AND attempts = 1 AND lease_owner IS NOT NULL",
      )
      .pluck()
      .get();
    expect(owners).toBe(count);
  });
});
