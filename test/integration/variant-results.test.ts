/**
 * A/B results and drop-off per question. On a seeded ledger the consent rates come with the Wilson
 * interval computed by hand and a verdict against the live wording; through the Twilio emulator
 * each way of leaving the call is counted at its own stage.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeyRing } from '../../src/crypto/keyring';
import { parseKeyRing } from '../../src/config';
import { Ledger } from '../../src/ledger';
import { resultsPage } from '../../src/audit/results-view';
import { resultsCsv, variantResults } from '../../src/audit/variant-results';
import { KEYS, startGateway } from '../support/gateway';
import { localeNumbers } from '../support/shipped-locales';

jest.setTimeout(120_000);
const PURPOSES = ['call', 'ai_training', 'personalization'];
const DAY = '2026-11-20';

/** One call: started, disclosed, and (unless undecided) decided `seconds` later on the main question. */
function seedCall(
  ledger: Ledger,
  variant: string,
  decision: 'granted' | 'declined' | null,
  seconds: number,
): void {
  const callSid = `CA${crypto.randomBytes(16).toString('hex')}`;
  const t0 = Date.parse(`${DAY}T10:00:00.000Z`);
  const at = (s: number): Date => new Date(t0 + s * 1000);
  ledger.append([
    {
      type: 'call_started',
      callSid,
      at: at(0),
      data: { locale: 'de', noticeVersion: 'v1', ...(variant === 'base' ? {} : { variant }) },
    },
    { type: 'disclosed', callSid, at: at(8), data: {} },
    ...(decision
      ? [{ type: decision, callSid, at: at(8 + seconds), data: { purpose: 'call', main: true } }]
      : []),
    // Through the call: the further purposes answered and the AI assistant reached, or a person.
    ...(decision === 'granted'
      ? [
          { type: 'declined', callSid, at: at(30), data: { purpose: 'ai_training', main: false } },
          { type: 'declined', callSid, at: at(35), data: { purpose: 'personalization', main: false } },
          { type: 'handover', callSid, at: at(36), data: { to: 'assistant' } },
        ]
      : decision === 'declined'
        ? [
            { type: 'handover', callSid, at: at(30), data: { to: 'human' } },
            { type: 'handover_completed', callSid, at: at(50), data: {} },
          ]
        : []),
    { type: 'call_ended', callSid, at: at(60), data: {} },
  ]);
}

describe('on a seeded ledger', () => {
  let dir: string;
  let ledger: Ledger;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'results-'));
    ledger = new Ledger(path.join(dir, 'consent.db'), new KeyRing(parseKeyRing(KEYS)));
    // base: 20 of 40 consent, 12 decline, 8 leave at the main question; b: 30 of 40 consent.
    for (let i = 0; i < 40; i += 1)
      seedCall(ledger, 'base', i < 20 ? 'granted' : i < 32 ? 'declined' : null, 1 + i);
    for (let i = 0; i < 40; i += 1) seedCall(ledger, 'b', i < 30 ? 'granted' : 'declined', 2 + (i % 10));
    // c: 22 of 40, not told apart from base yet.
    for (let i = 0; i < 40; i += 1) seedCall(ledger, 'c', i < 22 ? 'granted' : 'declined', 5);
  });
  afterAll(() => {
    ledger.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('consent and decline rates carry the Wilson 95 % interval, and a verdict names a real difference', () => {
    const results = variantResults(ledger, DAY, DAY, PURPOSES);
    const of = (v: string) => results.find((r) => r.variant === v);
    const base = of('base');
    // By hand: p = 0.5, n = 40, z = 1.96: (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n).
    expect(base?.consent.low).toBeCloseTo(0.352, 3);
    expect(base?.consent.high).toBeCloseTo(0.648, 3);
    // 12 of 40 declined: 0.1807 to 0.4543.
    expect(base?.decline.low).toBeCloseTo(0.1807, 3);
    expect(base?.decline.high).toBeCloseTo(0.4543, 3);
    expect(base?.dropOff.count).toBe(8);
    expect(base?.leftAt).toEqual({ main: 8 });
    // 30 of 40: 0.5981 to 0.8581; the difference +25 points, Newcombe's interval +3.8 to +43.3.
    const b = of('b');
    expect(b?.consent.low).toBeCloseTo(0.5981, 3);
    expect(b?.consent.high).toBeCloseTo(0.8581, 3);
    expect(b?.verdict).toBe(
      'variant b differs by +25.0 points with 95 % confidence (interval +3.8 points to +43.3 points)',
    );
    expect(of('c')?.verdict).toMatch(/^no difference yet/);
    // Time to decision as a distribution: 32 decided base calls took 1..32 s.
    expect(base?.secondsToDecision).toEqual({ median: 16, p90: 29 });
    const csv = resultsCsv(results, PURPOSES).split('\n');
    expect(csv[0]).toMatch(/^locale,notice_version,variant,calls,consent_count,consent_pct,consent_low_pct/);
    expect(csv.find((l) => l.startsWith('de,v1,base,40,20,50.0,35.2,64.8,'))).toBeDefined();
  });

  test('the page is a chart without script, titled and described, with the same numbers in a table beside it', () => {
    const html = resultsPage(variantResults(ledger, DAY, DAY, PURPOSES), PURPOSES, DAY, DAY);
    expect(html).not.toMatch(/<script/i);
    expect(html).toMatch(/<svg role="img" aria-labelledby="chart-title chart-desc"/);
    expect(html).toContain('<td>50.0 % (35.2 %–64.8 %)</td>');
    expect(html).toContain('variant b differs by +25.0 points with 95 % confidence');
    expect(html).toContain(`/audit/results.csv?from=${DAY}&amp;to=${DAY}`);
  });
});

test('drop-off per question through the emulator: during the disclosure, at the main question, in the information layer, at a purpose question, during the handover', async () => {
  const { numberOf, numbers } = localeNumbers();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dropoff-'));
  fs.writeFileSync(path.join(dir, 'gateway.json'), JSON.stringify({ numbers }));
  const gw = await startGateway({ GATEWAY_CONFIG: path.join(dir, 'gateway.json') });
  try {
    let n = 0;
    const place = (extra: { dialOutcome?: 'no-answer' } = {}) =>
      gw.emulator.placeCall({
        from: `+4915500${String(++n).padStart(6, '0')}`,
        to: numberOf('de'),
        fromCountry: 'DE',
        ...extra,
      });

    // During the disclosure: Twilio asked for it, the caller hung up before it had played.
    const sid = `CA${crypto.randomBytes(16).toString('hex')}`;
    const base = {
      CallSid: sid,
      AccountSid: gw.config.twilio.accountSid,
      From: '+4915500999999',
      To: numberOf('de'),
      FromCountry: 'DE',
    };
    expect((await gw.emulator.signedPost('/voice/incoming', { ...base, CallStatus: 'ringing' })).status).toBe(
      200,
    );
    expect(
      (await gw.emulator.signedPost('/voice/status', { ...base, CallStatus: 'completed', CallDuration: '3' }))
        .status,
    ).toBeLessThan(300);

    const main = place();
    await main.start();
    await main.hangup();

    const info = place();
    await info.start();
    await info.press('9');
    await info.hangup();

    const purpose = place();
    await purpose.start();
    await purpose.press('1');
    await purpose.hangup();

    const handover = place({ dialOutcome: 'no-answer' });
    await handover.start();
    await handover.press('2');
    await handover.hangup();

    const through = place();
    await through.start();
    for (const d of ['1', '1', '1']) await through.press(d);
    await through.hangup();
    await gw.emulator.settle();

    const today = new Date().toISOString().slice(0, 10);
    const [de] = variantResults(gw.runtime.ledger, today, today, PURPOSES).filter((r) => r.locale === 'de');
    expect(de?.calls).toBe(6);
    expect(de?.leftAt).toEqual({ disclosure: 1, main: 1, info: 1, 'purpose:ai_training': 1, handover: 1 });
    expect(de?.consent.count).toBe(2);
    expect(de?.decline.count).toBe(1);
    expect(de?.info.count).toBe(1);
  } finally {
    await gw.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
