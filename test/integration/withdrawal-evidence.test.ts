import { erase } from '../../src/cli/withdraw';
import { searchConsents } from '../../src/audit/consents';
import { auditRecords } from '../../src/ledger/record-bindings';
import { eventData, startGateway, type Gateway } from '../support/gateway';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});

const place = (from: string, extra: Record<string, string> = {}) =>
  gw.emulator.placeCall({ from, to: '+4930123456', fromCountry: 'DE', extra });
const eventsOf = (callSid: string, type: string) => eventData(gw, callSid, type);
const allEventData = (): string =>
  (gw.runtime.ledger.db.prepare('SELECT data FROM events').pluck().all() as string[]).join('\n');

async function consentWithClip(from: string): Promise<{ callSid: string; consentId: string }> {
  const call = gw.emulator.placeCall({ from, to: '+4930123456', fromCountry: 'DE', recordingSeconds: 30 });
  await call.start();
  for (const d of ['1', '1', '1']) await call.press(d);
  await gw.emulator.settle();
  await gw.runJobs();
  await gw.runJobs();
  const consentId = gw.report(call.callSid).consentId as string;
  expect(gw.runtime.ledger.getClip(consentId)?.status).toBe('stored');
  return { callSid: call.callSid, consentId };
}

describe('key 0 keeps the evidence of what it withdrew', () => {
  test('the withdrawal event holds each consent’s decision record and clip hashes, the calling call and an unattested caller ID', async () => {
    const from = '+4915100000201';
    const first = await consentWithClip(from);
    const clip = gw.runtime.ledger.getClip(first.consentId);

    const second = place(from);
    await second.start();
    await second.press('0');
    await gw.runJobs();
    expect(gw.runtime.ledger.getClip(first.consentId)?.status).toBe('deleted');

    const [withdrawn] = eventsOf(second.callSid, 'withdrawn');
    expect(withdrawn).toMatchObject({
      consents: [first.consentId],
      scope: 'caller',
      fromCall: second.callSid,
      attestation: { level: 'none', verstat: null },
      evidence: [
        {
          consentId: first.consentId,
          callSid: first.callSid,
          decision: 'granted',
          method: 'dtmf',
          purposes: { call: true, ai_training: true, personalization: true },
          clip: { status: 'stored', plainSha256: clip?.plain_sha256, cipherSha256: clip?.cipher_sha256 },
        },
      ],
    });
    expect(clip?.plain_sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('a consent of an earlier call withdrawn by key 0 is bound into the log at once: verify holds before its clip is deleted', async () => {
    const from = '+4915100000209';
    const first = await consentWithClip(from);
    expect(auditRecords(gw.runtime.ledger)).toEqual([]);
    const second = place(from);
    await second.start();
    await second.press('0');
    await gw.emulator.settle();
    // No job has run: the clip is still stored, the consent row already says withdrawn.
    expect(gw.runtime.ledger.getConsent(first.consentId)?.status).toBe('withdrawn');
    expect(gw.runtime.ledger.getClip(first.consentId)?.status).toBe('stored');
    expect(auditRecords(gw.runtime.ledger)).toEqual([]);
  });

  test('a withdrawal from a fully attested caller ID says so (StirVerstat)', async () => {
    const from = '+4915100000202';
    const call = place(from, { StirVerstat: 'TN-Validation-Passed-A' });
    await call.start();
    await call.press('1');
    await call.press('0');
    const [withdrawn] = eventsOf(call.callSid, 'withdrawn');
    expect(withdrawn?.attestation).toEqual({ level: 'A', verstat: 'TN-Validation-Passed-A' });
  });

  test('an under-age caller withdraws only the consent given in that call, not the household’s earlier one', async () => {
    const from = '+4915100000203';
    const parent = place(from);
    await parent.start();
    await parent.press('1');
    const parentConsent = gw.report(parent.callSid).consentId as string;

    const child = place(from);
    await child.start();
    await child.press('1');
    const childConsent = gw.report(child.callSid).consentId as string;
    await child.press('7');
    expect(gw.runtime.ledger.getConsent(childConsent)?.status).toBe('withdrawn');
    expect(gw.runtime.ledger.getConsent(parentConsent)?.status).toBe('active');
    const [withdrawn] = eventsOf(child.callSid, 'withdrawn');
    expect(withdrawn).toMatchObject({ scope: 'call', consents: [childConsent] });
  });

  test('events never quote the caller’s words; the words are kept sealed with the caller’s key', async () => {
    const from = '+4915100000204';
    const call = place(from);
    await call.start();
    await call.say('ich bin 15', 0.95);
    expect(gw.report(call.callSid).events.map((e) => e.type)).toContain('minor_declared');
    expect(allEventData()).not.toMatch(/ich bin 15/);
    const [answer] = eventsOf(call.callSid, 'answer');
    const row = gw.runtime.ledger.getCall(call.callSid);
    const words = gw.runtime.ledger.openFor(row?.caller_hash ?? null, String(answer?.words_enc));
    expect(words).toMatch(/ich bin 15/);
  });
});

describe('erasure', () => {
  test('removes the caller hash everywhere: the number’s history cannot be confirmed, and a new call starts with none', async () => {
    const from = '+4915100000205';
    const old = place(from);
    await old.start();
    await old.press('1');
    const oldConsent = gw.report(old.callSid).consentId as string;
    const ledger = gw.runtime.ledger;
    const hash = ledger.callerHash(from);
    erase(ledger, from, 'web', new Date());

    for (const table of ['calls', 'consents'])
      expect(ledger.db.prepare(`SELECT COUNT(*) FROM ${table} WHERE caller_hash = ?`).pluck().get(hash)).toBe(
        0,
      );
    expect(
      ledger.db.prepare('SELECT COUNT(*) FROM subject_keys WHERE subject_hash = ?').pluck().get(hash),
    ).toBe(0);
    expect(allEventData()).not.toContain(hash.slice(0, 12));
    // The record itself stays, withdrawn, with its decision.
    expect(ledger.getConsent(oldConsent)).toMatchObject({ status: 'withdrawn', decision: 'granted' });
    // An auditor searching the number finds nothing.
    expect(searchConsents(ledger, { number: from, page: 1 }).rows).toHaveLength(0);

    const again = place(from);
    await again.start();
    await again.press('1');
    const found = searchConsents(ledger, { number: from, page: 1 }).rows.map((r) => r.id);
    expect(found).toEqual([gw.report(again.callSid).consentId]);
  });
});
