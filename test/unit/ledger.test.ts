import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeyRing } from '../../src/crypto/keyring';
import { normalizeNumber } from '../../src/ledger';
import { dropAppendOnlyGuard, openTestLedger, storedBytes } from '../support/test-database';

const ring = () => new KeyRing([{ id: 'k1', key: crypto.randomBytes(32) }]);

describe('ledger', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
    file = path.join(dir, 'ledger.db');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('when events are appended, the chain verifies; when one is altered in the database, verify names it', () => {
    const ledger = openTestLedger(file, ring());
    for (let i = 0; i < 5; i += 1)
      ledger.append([{ type: 'test', callSid: `CA${i}`, at: new Date(1_700_000_000_000 + i), data: { i } }]);
    expect(ledger.verifyChain()).toMatchObject({ ok: true, checked: 5 });
    dropAppendOnlyGuard(ledger.db, 'events');
    ledger.db.prepare('UPDATE events SET data = \'{"i":99}\' WHERE seq = 3').run();
    expect(ledger.verifyChain()).toMatchObject({ ok: false, brokenAt: 3 });
    ledger.close();
  });

  test('when someone tries to change or delete an event through SQL, the ledger refuses', () => {
    const ledger = openTestLedger(file, ring());
    ledger.append([{ type: 'test', at: new Date() }]);
    expect(() => ledger.db.prepare("UPDATE events SET type = 'x'").run()).toThrow(/append-only/);
    expect(() => ledger.db.prepare('DELETE FROM events').run()).toThrow(/append-only/);
    ledger.close();
  });

  test('when a call starts, the caller number is stored encrypted and found by its keyed hash', () => {
    const ledger = openTestLedger(file, ring());
    ledger.startCall({
      callSid: 'CA1',
      from: '+49 151 2345 6789',
      called: '+4930',
      country: 'DE',
      locale: 'de',
      at: new Date(),
    });
    const call = ledger.getCall('CA1')!;
    expect(call.caller_enc).not.toContain('2345');
    expect(storedBytes(ledger).includes(Buffer.from('+4915123456789'))).toBe(false);
    expect(storedBytes(ledger).includes(Buffer.from('CA1'))).toBe(true);
    expect(call.caller_hash).toBe(ledger.callerHash('+4915123456789'));
    expect(ledger.callerNumber(call)).toBe('+4915123456789');
    ledger.close();
  });

  test('when a caller is erased by shredding their key, their number is unreadable and the chain still verifies', () => {
    const ledger = openTestLedger(file, ring());
    ledger.startCall({
      callSid: 'CA1',
      from: '+4915100000001',
      called: null,
      country: null,
      locale: 'de',
      at: new Date(),
    });
    ledger.append([{ type: 'call_started', callSid: 'CA1', at: new Date() }]);
    const call = ledger.getCall('CA1')!;
    ledger.shredSubject(call.caller_hash!, new Date());
    expect(ledger.callerNumber(call)).toBeNull();
    expect(ledger.verifyChain().ok).toBe(true);
    ledger.close();
  });

  test('when the ledger is reopened with the same key ring, its lookup hashes and signing key are the same', () => {
    const keys = ring();
    const a = openTestLedger(file, keys);
    const hash = a.callerHash('+4915100000002');
    const pem = a.publicKeyPem();
    a.close();
    const b = openTestLedger(file, new KeyRing(keys.entries));
    expect(b.callerHash('+4915100000002')).toBe(hash);
    expect(b.publicKeyPem()).toBe(pem);
    b.close();
  });

  test('writes committed together: one that throws fails alone, the others are in the ledger', () => {
    const ledger = openTestLedger(file, ring());
    const start = (sid: string) => () =>
      ledger.startCall({
        callSid: sid,
        from: '+4915100000001',
        called: null,
        country: 'DE',
        locale: 'de',
        at: new Date(),
      });
    const outcomes = ledger.runBatch([
      start('CA01'),
      () => {
        throw new Error('bad write');
      },
      start('CA02'),
    ]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    expect(ledger.getCall('CA01')).toBeDefined();
    expect(ledger.getCall('CA02')).toBeDefined();
    ledger.close();
  });

  test('when a batch that created the lookup key and a notice rolls back, neither is trusted from memory afterwards', () => {
    const ledgerRing = ring();
    const ledger = openTestLedger(file, ledgerRing);
    let noticeId = '';
    // The first call of a fresh ledger creates the lookup key; the batch then fails as a whole.
    const outcomes = ledger.runBatch([
      () => {
        noticeId = ledger.notice('de', 'text', 'Sie sprechen mit einer KI.');
        ledger.startCall({
          callSid: 'CA03',
          from: '+4915100000003',
          called: null,
          country: 'DE',
          locale: 'de',
          at: new Date(),
        });
        throw new Error('disk full');
      },
    ]);
    expect(outcomes[0]?.ok).toBe(false);
    expect(ledger.getNotice(noticeId)).toBeUndefined();
    ledger.startCall({
      callSid: 'CA04',
      from: '+4915100000003',
      called: null,
      country: 'DE',
      locale: 'de',
      at: new Date(),
    });
    expect(ledger.notice('de', 'text', 'Sie sprechen mit einer KI.')).toBe(noticeId);
    expect(ledger.getNotice(noticeId)).toBeDefined();
    const stored = ledger.getCall('CA04')?.caller_hash;
    ledger.close();
    // A hash made with a key that was never committed would not match after a restart.
    const reopened = openTestLedger(file, ledgerRing);
    expect(reopened.callerHash('+4915100000003')).toBe(stored);
    reopened.close();
  });

  test('numbers written differently are one caller', () => {
    expect(normalizeNumber('0049 151 234')).toBe(normalizeNumber('+49151234'));
    expect(normalizeNumber('+49 (151) 234')).toBe('+49151234');
  });
});
