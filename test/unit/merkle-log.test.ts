import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MemoryTree, verifyConsistency, verifyInclusion } from '../../src/crypto/merkle';
import { KeyRing } from '../../src/crypto/keyring';
import { Ledger } from '../../src/ledger';
import { eventHash } from '../../src/ledger/chain';
import { auditLog } from '../../src/ledger/log-audit';
import { eventLeafHash, subtreeId, subtreeOf, type LeafRow } from '../../src/ledger/merkle-log';
import { dropAppendOnlyGuard, openTestLedger } from '../support/test-database';

const ring = (): KeyRing => new KeyRing([{ id: 'k1', key: Buffer.alloc(32, 1) }]);
let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'merkle-log-'));
  file = path.join(dir, 'ledger.db');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const rebuilt = (ledger: Ledger): MemoryTree =>
  new MemoryTree(
    (ledger.db.prepare('SELECT * FROM events ORDER BY seq').all() as LeafRow[]).map(eventLeafHash),
  );
const append = (ledger: Ledger, n: number, tag: string): void => {
  for (let i = 0; i < n; i += 1)
    ledger.append([{ type: tag, at: new Date(1_700_000_000_000 + i), data: { i } }]);
};

describe('the event log as a Merkle tree', () => {
  test('after appends in batches, by two connections and after a rolled-back batch, the stored tree is the events tree', () => {
    const a = openTestLedger(file, ring());
    const b = openTestLedger(file, ring());
    append(a, 5, 'a');
    a.append(Array.from({ length: 7 }, (_, i) => ({ type: 'batch', at: new Date(), data: { i } })));
    append(b, 3, 'b');
    append(a, 2, 'a');
    const outcomes = a.runBatch([
      () => append(a, 3, 'rolled back'),
      () => {
        throw new Error('one write fails');
      },
    ]);
    expect(outcomes[1]?.ok).toBe(false);
    append(b, 4, 'b');
    append(a, 11, 'a');
    const memory = rebuilt(a);
    expect(a.merkle.size()).toBe(memory.size);
    for (let n = 1; n <= memory.size; n += 1) expect(a.merkle.root(n).equals(memory.root(n))).toBe(true);
    const size = memory.size;
    for (let i = 0; i < size; i += 1)
      expect(verifyInclusion(i, size, memory.perfect(0, i), a.merkle.inclusion(i, size), memory.root())).toBe(
        true,
      );
    for (let m = 1; m < size; m += 1)
      expect(verifyConsistency(m, size, b.merkle.consistency(m, size), memory.root(m), memory.root())).toBe(
        true,
      );
    expect(auditLog(a.db)).toMatchObject({ ok: true, size });
    a.close();
    b.close();
  });

  test('subtree ids are the in-order numbering, and decode back', () => {
    expect([subtreeId(0, 0), subtreeId(0, 1), subtreeId(1, 0), subtreeId(2, 0), subtreeId(1, 1)]).toEqual([
      0, 2, 1, 3, 5,
    ]);
    for (let level = 0; level < 8; level += 1)
      for (let index = 0; index < 40; index += 1)
        expect(subtreeOf(subtreeId(level, index))).toEqual({ level, index });
  });

  test('a ledger whose events predate the Merkle log gets its tree when opened', () => {
    const ledger = openTestLedger(file, ring());
    append(ledger, 9, 'old');
    dropAppendOnlyGuard(ledger.db, 'merkle_tree');
    ledger.db.exec('DELETE FROM merkle_tree');
    ledger.close();
    const reopened = openTestLedger(file, ring());
    expect(reopened.merkle.size()).toBe(9);
    expect(reopened.merkle.root(9).equals(rebuilt(reopened).root())).toBe(true);
    reopened.close();
  });

  test('an event edited in the database is named by the audit, even with its chain hashes recomputed', () => {
    const ledger = openTestLedger(file, ring());
    append(ledger, 6, 'e');
    dropAppendOnlyGuard(ledger.db, 'events');
    ledger.db.prepare(`UPDATE events SET data = '{"i":99}' WHERE seq = 4`).run();
    expect(auditLog(ledger.db)).toMatchObject({ ok: false, firstBadEvent: 4 });
    // A careful forger rehashes the chain from there on: the Merkle leaves still name the event.
    const rows = ledger.db.prepare('SELECT * FROM events WHERE seq >= 4 ORDER BY seq').all() as Array<
      LeafRow & { prev_hash: string }
    >;
    let prev = (ledger.db.prepare('SELECT hash FROM events WHERE seq = 3').pluck().get() as string) ?? '';
    for (const r of rows) {
      const hash = eventHash(prev, r);
      ledger.db.prepare('UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?').run(prev, hash, r.seq);
      prev = hash;
    }
    const audit = auditLog(ledger.db);
    expect(audit.ok).toBe(false);
    expect(audit.firstBadEvent).toBe(4);
    expect(audit.problems.join('\n')).toMatch(/event 4 .*Merkle leaf/);
    ledger.close();
  });
});
