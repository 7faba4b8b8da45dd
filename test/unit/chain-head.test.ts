import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeyRing } from '../../src/crypto/keyring';
import type { Ledger } from '../../src/ledger';
import { PgDb } from '../../src/ledger/postgres/pg-db';
import { openTestLedger, testEngine } from '../support/test-database';

/**
 * A write transaction reads the chain head once and keeps the head it appended last for its next
 * append. The database refuses any event that does not name its predecessor, so a stale head can
 * fail a transaction but never leave a gap or a fork.
 */
let dir: string;
const open: Ledger[] = [];
const connect = (name = 'ledger.db'): Ledger => {
  const ledger = openTestLedger(
    path.join(dir, name),
    new KeyRing([{ id: 'k1', key: crypto.randomBytes(32) }]),
  );
  open.push(ledger);
  return ledger;
};
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chain-head-'));
});
afterEach(() => {
  for (const l of open.splice(0)) l.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
const seqs = (ledger: Ledger): number[] =>
  ledger.db.prepare('SELECT seq FROM events ORDER BY seq').pluck().all() as number[];
const event = (label: string) => ({ type: 'test', callSid: label, at: new Date() });

describe(`the chain head (${testEngine})`, () => {
  test('an event that does not name the event before it is refused: neither a gap nor a wrong predecessor gets in', () => {
    const ledger = connect();
    ledger.append([event('a'), event('b')]);
    const insert = ledger.db.prepare(
      "INSERT INTO events (seq, call_sid, consent_id, type, at, data, prev_hash, hash) VALUES (?, NULL, NULL, 'x', 'now', '{}', ?, ?)",
    );
    const head = ledger.db.prepare('SELECT hash FROM events WHERE seq = 2').pluck().get() as string;
    expect(() => insert.run(4, head, 'f'.repeat(64))).toThrow(/does not follow the head of the chain/);
    expect(() => insert.run(3, 'e'.repeat(64), 'f'.repeat(64))).toThrow(
      /does not follow the head of the chain/,
    );
    expect(seqs(ledger)).toEqual([1, 2]);
    expect(ledger.verifyChain()).toMatchObject({ ok: true, checked: 2 });
  });

  test('appends in one transaction read the head once and chain onto each other', () => {
    const ledger = connect();
    ledger.append([event('first')]);
    const reads = (): number => (ledger.db instanceof PgDb ? ledger.db.client.roundTrips : 0);
    const before = reads();
    ledger.transaction(() => {
      for (let i = 0; i < 5; i += 1) ledger.append([event(`call-${i}`)]);
    });
    // On PostgreSQL: the head read (with BEGIN) and the commit; the inserts travel with them.
    if (ledger.db instanceof PgDb) expect(reads() - before).toBe(2);
    expect(seqs(ledger)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ledger.verifyChain()).toMatchObject({ ok: true, checked: 6 });
    expect(ledger.merkle.size()).toBe(6);
  });

  test('after a savepoint that appended and rolled back, the next append follows the real head', () => {
    const ledger = connect();
    ledger.append([event('first')]);
    ledger.transaction(() => {
      ledger.append([event('kept-1')]);
      expect(() =>
        ledger.transaction(() => {
          ledger.append([event('undone-1'), event('undone-2')]);
          throw new Error('the inner step fails');
        }),
      ).toThrow('the inner step fails');
      ledger.append([event('kept-2')]);
    });
    expect(seqs(ledger)).toEqual([1, 2, 3]);
    expect(ledger.eventsForCall('kept-2')).toHaveLength(1);
    expect(ledger.verifyChain()).toMatchObject({ ok: true, checked: 3 });
  });

  test('another connection appending between two transactions is seen by the next one', () => {
    const one = connect();
    const two = connect();
    one.transaction(() => one.append([event('one-1')]));
    two.transaction(() => two.append([event('two-1')]));
    one.transaction(() => one.append([event('one-2')]));
    expect(seqs(one)).toEqual([1, 2, 3]);
    expect(one.verifyChain()).toMatchObject({ ok: true, checked: 3 });
  });
});
