/**
 * `consent migrate-to-postgres` moves an existing SQLite ledger into PostgreSQL: every row, the
 * chain and Merkle root proven equal afterwards, the copy usable by the service (numbers decrypt,
 * new events continue the chain, new ids follow the copied ones), a non-empty target refused.
 * Needs a PostgreSQL server: the copy itself runs in the suite's PostgreSQL run (TEST_DATABASE_URL).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserStore } from '../../src/audit/users';
import { migrateToPostgres } from '../../src/cli/migrate-to-postgres';
import { KeyRing } from '../../src/crypto/keyring';
import { Ledger } from '../../src/ledger';
import { TEST_DATABASE_URL, freshPostgresDatabase } from '../support/test-database';

jest.setTimeout(120_000);

let dir: string;
let file: string;
const ring = new KeyRing([{ id: 'k1', key: crypto.randomBytes(32) }]);

function io(): { out: (s: string) => void; err: (s: string) => void; text: () => string } {
  let all = '';
  return { out: (s) => (all += s), err: (s) => (all += s), text: () => all };
}

/** A SQLite ledger with calls, consents, encrypted numbers, jobs, a portal user and events. */
async function sqliteLedger(): Promise<{ calls: string[]; consent: string; jobs: number }> {
  const ledger = new Ledger(file, ring);
  const calls: string[] = [];
  let consent = '';
  for (let i = 0; i < 30; i++) {
    const callSid = `CA${String(i).padStart(32, '0')}`;
    const at = new Date(Date.UTC(2026, 10, 1, 10, 0, i));
    ledger.transaction(() => {
      ledger.startCall({
        callSid,
        from: `+4915100000${String(i).padStart(3, '0')}`,
        called: '+4930',
        country: 'DE',
        locale: 'de',
        at,
      });
      ledger.append([{ type: 'call_started', callSid, at }]);
      if (i % 3 === 0) {
        const from = `+4915100000${String(i).padStart(3, '0')}`;
        const callerHash = ledger.callerHash(from);
        consent = ledger.createConsent({
          callSid,
          at,
          callerHash,
          callerEnc: ledger.sealFor(callerHash, from),
          locale: 'de',
          method: 'dtmf',
          input: '1',
          confidence: null,
          noticeId: ledger.notice('de', 'text', 'Hier spricht eine KI.'),
          decision: 'granted',
          purposes: { call: true },
          clipStartMs: 0,
          clipEndMs: 4000,
        });
        ledger.enqueue('clip', { consentId: consent }, { dedupeKey: `clip:${consent}` });
      }
    });
    calls.push(callSid);
  }
  await new UserStore(ledger).add('dpo@example.com', 'dpo', 'a long dpo password 1');
  const jobs = ledger.sql('SELECT MAX(id) FROM jobs').pluck().get() as number;
  ledger.close();
  return { calls, consent, jobs };
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrate-pg-'));
  file = path.join(dir, 'consent.db');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('without a postgres:// DATABASE_URL the command says what to set and touches nothing', async () => {
  await sqliteLedger();
  const before = fs.readFileSync(file);
  const out = io();
  expect(migrateToPostgres(['--from', file], out, { DATABASE_URL: '' })).toBe(2);
  expect(out.text()).toMatch(/set DATABASE_URL/);
  expect(fs.readFileSync(file).equals(before)).toBe(true);
  const missing = io();
  expect(
    migrateToPostgres(['--from', path.join(dir, 'none.db')], missing, {
      DATABASE_URL: 'postgres://x@127.0.0.1:1/db',
    }),
  ).toBe(2);
  expect(missing.text()).toMatch(/no SQLite ledger/);
});

if (TEST_DATABASE_URL)
  describe('on a PostgreSQL server', () => {
    test('every row is copied, the chain and Merkle root prove out, and the copy works on as the ledger', async () => {
      const { calls, consent, jobs } = await sqliteLedger();
      const source = new Ledger(file, ring);
      const sourceEvents = source.sql('SELECT COUNT(*) FROM events').pluck().get() as number;
      source.close();
      const url = freshPostgresDatabase(TEST_DATABASE_URL as string, 'migrate');
      const out = io();
      expect(migrateToPostgres(['--from', file], out, { DATABASE_URL: url })).toBe(0);
      expect(out.text()).toMatch(
        /chain verified on PostgreSQL; Merkle root [0-9a-f]{64} at size \d+, the same as the source's/,
      );

      const pg = new Ledger(url, ring);
      try {
        expect(pg.db.engine).toBe('postgres');
        expect(pg.sql('SELECT COUNT(*) FROM events').pluck().get()).toBe(sourceEvents);
        expect(pg.verifyChain().ok).toBe(true);
        const call = pg.getCall(calls[7] as string);
        expect(call && pg.callerNumber(call)).toBe('+4915100000007');
        expect(pg.getConsent(consent)?.decision).toBe('granted');
        // New work continues the copied ledger: the chain links on, ids follow the copied ones.
        pg.append([{ type: 'after_migration', at: new Date() }]);
        expect(pg.verifyChain().ok).toBe(true);
        pg.enqueue('clip', { consentId: 'new' }, { dedupeKey: 'clip:new' });
        expect(pg.sql('SELECT MAX(id) FROM jobs').pluck().get()).toBe(jobs + 1);
      } finally {
        pg.close();
      }

      const again = io();
      expect(migrateToPostgres(['--from', file], again, { DATABASE_URL: url })).toBe(1);
      expect(again.text()).toMatch(/not empty .*nothing copied/);
    });

    test('a source whose chain does not verify is refused before anything is copied', async () => {
      await sqliteLedger();
      const raw = new Ledger(file, ring);
      raw.db.exec('DROP TRIGGER IF EXISTS events_no_update');
      const triggers = raw
        .sql("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'")
        .pluck()
        .all() as string[];
      for (const t of triggers) raw.db.exec(`DROP TRIGGER "${t}"`);
      raw.db.prepare("UPDATE events SET type = 'tampered' WHERE seq = 2").run();
      raw.close();
      const url = freshPostgresDatabase(TEST_DATABASE_URL as string, 'migrate-bad');
      const out = io();
      expect(migrateToPostgres(['--from', file], out, { DATABASE_URL: url })).toBe(1);
      expect(out.text()).toMatch(/does not verify; nothing copied/);
      const pg = new Ledger(url, ring);
      expect(pg.sql('SELECT COUNT(*) FROM events').pluck().get()).toBe(0);
      pg.close();
    });
  });
