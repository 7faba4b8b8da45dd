import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeyRing } from '../../src/crypto/keyring';
import type { Ledger } from '../../src/ledger';
import { auditLog } from '../../src/ledger/log-audit';
import { openTestLedger, testEngine } from '../support/test-database';

/**
 * `consent verify` reads the whole ledger in one deferred transaction: one state, however long it
 * takes. Meanwhile the service must go on writing, or every call waits for the verification (and
 * Twilio gives up on a webhook after 15 s). Two connections to one ledger, as a server and the
 * command line have.
 */
let dir: string;
const open: Ledger[] = [];
const connect = (keys: KeyRing): Ledger => {
  const ledger = openTestLedger(path.join(dir, 'ledger.db'), keys);
  open.push(ledger);
  return ledger;
};
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-snapshot-'));
});
afterEach(() => {
  for (const l of open.splice(0)) l.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
const event = (label: string) => ({ type: 'test', callSid: label, at: new Date() });

test(`while consent verify reads its snapshot, the service appends without waiting, and verify sees one state (${testEngine})`, () => {
  const keys = new KeyRing([{ id: 'k1', key: crypto.randomBytes(32) }]);
  const verifier = connect(keys);
  const service = connect(keys);
  service.append([event('a'), event('b'), event('c')]);
  // A writer that would wait for the verification gives up after a moment instead of hanging.
  if (testEngine === 'postgres') service.db.exec("SET lock_timeout = '2s'");
  const count = (l: Ledger): number => l.db.prepare('SELECT COUNT(*) FROM events').pluck().get() as number;

  const seen = verifier.db
    .transaction(() => {
      const first = auditLog(verifier.db);
      const started = Date.now();
      service.append([event('during-verify')]);
      const waited = Date.now() - started;
      return { first, waited, again: count(verifier), audit: auditLog(verifier.db) };
    })
    .deferred();

  expect(seen.waited).toBeLessThan(1000);
  expect(seen.first).toMatchObject({ ok: true, size: 3 });
  expect(seen.again).toBe(3);
  expect(seen.audit).toMatchObject({ ok: true, size: 3 });
  expect(count(service)).toBe(4);
  expect(verifier.verifyChain()).toMatchObject({ ok: true, checked: 4 });
});
