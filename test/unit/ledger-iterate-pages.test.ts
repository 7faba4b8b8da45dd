import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeyRing } from '../../src/crypto/keyring';
import type { Ledger } from '../../src/ledger';
import { auditLog } from '../../src/ledger/log-audit';
import { ITERATE_PAGE_ROWS } from '../../src/ledger/postgres/cursor';
import { dropAppendOnlyGuard, openTestLedger, testEngine } from '../support/test-database';

/**
 * `consent verify` walks the whole log with iterate(). On PostgreSQL the rows must come a page at
 * a time (a cursor), not all at once into memory; on both engines the walk sees every row in
 * order, still finds a changed row past the first page, and leaves the connection usable however
 * the walk ends.
 */
const EVENTS = Math.round(ITERATE_PAGE_ROWS * 2.5);
let dir: string;
let ledger: Ledger;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iterate-pages-'));
  ledger = openTestLedger(
    path.join(dir, 'ledger.db'),
    new KeyRing([{ id: 'k1', key: crypto.randomBytes(32) }]),
  );
  const at = new Date();
  ledger.transaction(() => {
    for (let i = 0; i < EVENTS; i += 50)
      ledger.append(Array.from({ length: 50 }, (_, j) => ({ type: 'test', callSid: `CA${i + j}`, at })));
  });
}, 120_000);
afterAll(() => {
  ledger?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Cursors a statement declared (the protocol's own unnamed portal, this query's, has no name). */
const openCursors = (): number =>
  ledger.db.prepare("SELECT COUNT(*) FROM pg_cursors WHERE name <> ''").pluck().get() as number;

describe(`iterating a ledger of more rows than one page (${testEngine})`, () => {
  test('every row arrives once and in order, the first before the last page is read', () => {
    const seen: number[] = [];
    let cursorsDuringWalk = 0;
    for (const seq of ledger.db
      .prepare('SELECT seq FROM events ORDER BY seq')
      .pluck()
      .iterate() as Iterable<number>) {
      // The same connection reads on while it iterates, as auditLog does for every row.
      if (seen.length === 0 && testEngine === 'postgres') cursorsDuringWalk = openCursors();
      seen.push(seq);
    }
    expect(seen).toEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));
    if (testEngine === 'postgres') {
      expect(cursorsDuringWalk).toBe(1);
      expect(openCursors()).toBe(0);
    }
  });

  test('the chain and the whole-log audit hold, as consent verify reads them in one transaction', () => {
    expect(ledger.verifyChain()).toMatchObject({ ok: true, checked: EVENTS });
    const audit = ledger.db.transaction(() => auditLog(ledger.db)).deferred();
    expect(audit).toMatchObject({ ok: true, size: EVENTS, firstBadEvent: null });
  });

  test('a walk left early frees the connection for writes at once', () => {
    for (const seq of ledger.db.prepare('SELECT seq FROM events ORDER BY seq').pluck().iterate())
      if (seq === 3) break;
    const writes = ledger.db.transaction(() =>
      ledger.db.prepare('SELECT COUNT(*) FROM events').pluck().get(),
    );
    expect(writes.immediate()).toBe(EVENTS);
    if (testEngine === 'postgres') expect(openCursors()).toBe(0);
  });

  test('a write transaction while the connection iterates is refused, on both engines, and changes nothing', () => {
    const rows = ledger.db.prepare('SELECT seq FROM events ORDER BY seq').pluck().iterate();
    rows.next();
    expect(() => ledger.append([{ type: 'test', callSid: 'CA-during', at: new Date() }])).toThrow(
      /busy|cannot begin while this connection iterates/,
    );
    rows.return?.();
    expect(ledger.db.prepare('SELECT COUNT(*) FROM events').pluck().get()).toBe(EVENTS);
  });

  test('an event changed past the first page is named by the chain check and by the audit', () => {
    const victim = ITERATE_PAGE_ROWS + 137;
    dropAppendOnlyGuard(ledger.db, 'events');
    ledger.db.prepare(`UPDATE events SET data = '{"forged":true}' WHERE seq = ?`).run(victim);
    expect(ledger.verifyChain()).toMatchObject({ ok: false, brokenAt: victim, checked: victim - 1 });
    const audit = ledger.db.transaction(() => auditLog(ledger.db)).deferred();
    expect(audit).toMatchObject({ ok: false, firstBadEvent: victim });
    expect(audit.problems.join('\n')).toMatch(new RegExp(`event ${victim} .*altered`));
  });
});
