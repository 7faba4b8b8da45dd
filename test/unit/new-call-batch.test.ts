import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { callWrites } from '../../src/calls/ledger-writes';
import { KeyRing } from '../../src/crypto/keyring';
import type { Ledger } from '../../src/ledger';
import { PgDb } from '../../src/ledger/postgres/pg-db';
import { openTestLedger, testEngine } from '../support/test-database';

/**
 * What a batch of new calls costs the writer, in round trips to PostgreSQL (each one a wait on
 * the thread bridge and the server, the writer's limit under load), and that the batch writes
 * exactly what it would write one call at a time. On SQLite the count is not defined; the
 * ledger's content is checked on both engines.
 */
let dir: string;
let ledger: Ledger;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'round-trips-'));
  ledger = openTestLedger(path.join(dir, 'l.db'), new KeyRing([{ id: 'k1', key: crypto.randomBytes(32) }]));
});
afterEach(() => {
  ledger.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const notice = { id: 'n-de', locale: 'de', content: 'Sie sprechen mit einer KI.' };
const start = (i: number) => () =>
  callWrites.startCall(ledger, {
    callSid: `CA${i}`,
    from: `+4930123456${String(i).padStart(2, '0')}`,
    called: '+4930999',
    country: 'DE',
    locale: 'de',
    notice,
    at: new Date(),
  });

describe(`a batch of new calls (${testEngine})`, () => {
  test('each new caller costs the writer two round trips (its key read, its call row); the chain head is read once', () => {
    ledger.runBatch([start(0)]); // the notice and the ledger's keys exist from now on
    const trips = (): number => (ledger.db instanceof PgDb ? ledger.db.client.roundTrips : 0);
    const before = trips();
    const outcomes = ledger.runBatch(Array.from({ length: 8 }, (_, i) => start(i + 1)));
    expect(outcomes).toEqual(Array.from({ length: 8 }, () => ({ ok: true, value: true })));
    if (ledger.db instanceof PgDb) expect(trips() - before).toBe(8 * 2 + 2);
    expect(ledger.verifyChain()).toMatchObject({ ok: true, checked: 9 });
    expect(ledger.db.prepare('SELECT COUNT(*) FROM subject_keys').pluck().get()).toBe(9);
    // Every caller's number is sealed under the key stored for that caller.
    for (let i = 0; i <= 8; i += 1) {
      const call = ledger.getCall(`CA${i}`);
      expect(ledger.openFor(call?.caller_hash ?? null, call?.caller_enc ?? null)).toMatch(/^\+4930123456/);
    }
  });

  test('binding the consents of a batch into the log reads them all in one round trip, and binds each once until it changes', () => {
    ledger.runBatch([start(0)]);
    const consent = (i: number) => () =>
      ledger.createConsent({
        callSid: 'CA0',
        callerHash: null,
        callerEnc: null,
        locale: 'de',
        method: 'dtmf',
        input: null,
        confidence: null,
        noticeId: 'n-de',
        decision: 'granted',
        purposes: { service: i % 2 === 0 },
        clipStartMs: null,
        clipEndMs: null,
        at: new Date(),
      });
    const ids = ledger
      .runBatch(Array.from({ length: 6 }, (_, i) => consent(i)))
      .map((o) => (o.ok ? o.value : null));
    const trips = (): number => (ledger.db instanceof PgDb ? ledger.db.client.roundTrips : 0);
    const touchAll = (): number => {
      const before = trips();
      ledger.runBatch(ids.map((id) => () => ledger.touch(id as string)));
      return trips() - before;
    };
    const first = touchAll();
    const again = touchAll();
    // On PostgreSQL: eighteen reads (consent, clip, latest entry of six) in one round trip, then
    // the chain head, then the entries with the commit; the second time nothing changed.
    if (ledger.db instanceof PgDb) expect([first, again]).toEqual([3, 2]);
    const entries = ledger.db
      .prepare("SELECT consent_id FROM events WHERE type = 'record' ORDER BY seq")
      .pluck()
      .all() as string[];
    expect(entries).toEqual(ids);
    expect(ledger.verifyChain()).toMatchObject({ ok: true });
  });

  test('a caller calling twice in one batch gets one key, and a retried webhook adds no second call', () => {
    const outcomes = ledger.runBatch([start(1), start(1), start(1)]);
    expect(outcomes.map((o) => o.ok && o.value)).toEqual([true, false, false]);
    expect(ledger.db.prepare('SELECT COUNT(*) FROM subject_keys').pluck().get()).toBe(1);
    expect(ledger.eventsForCall('CA1').map((e) => e.type)).toEqual(['call_started']);
  });
});
