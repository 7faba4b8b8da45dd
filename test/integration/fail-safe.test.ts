/**
 * A voice webhook that cannot be served as planned stops the consent recording before anything is
 * said, and only then hands the caller to a human: "your call with our staff will not be
 * recorded" must be true when the caller hears it (§ 201 StGB). Driven through the Twilio
 * emulator, in every shipped locale.
 */
jest.setTimeout(60_000);

import { startGateway, type Gateway } from '../support/gateway';
import { LOCALES, localeNumbers, openingOf, speechOf, writeOperatorFile } from '../support/shipped-locales';
import { childElements, parseXml, type XmlElement } from '../support/twiml-parser';
import type { EmulatedCall } from '../support/twilio-emulator';
import { breakEventInserts, repairEventInserts } from '../support/test-database';

const AGENT = '+4930111222';
const { numberOf, numbers } = localeNumbers();
const operator = writeOperatorFile({ numbers });

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({ GATEWAY_CONFIG: operator.file, HUMAN_AGENT_NUMBER: AGENT });
});
afterAll(async () => {
  await gw.close();
  operator.remove();
});

/** Every write aborts inside the database, as on a full or failing disk. */
const breakLedger = (): void => {
  breakEventInserts(gw.runtime.ledger.db);
};
const repairLedger = (): void => {
  repairEventInserts(gw.runtime.ledger.db);
};

let callers = 0;
async function startCall(lng: string): Promise<EmulatedCall> {
  const c = gw.emulator.placeCall({
    from: `+4915200${String(++callers).padStart(6, '0')}`,
    to: numberOf(lng),
    fromCountry: 'DE',
  });
  await c.start();
  expect(c.errors).toEqual([]);
  // The consent question runs under the recording.
  expect(c.isRecording()).toBe(true);
  return c;
}

/** The verbs of a TwiML answer, in order, with the consent recording's Stop named. */
function verbs(twiml: string): string[] {
  return childElements(parseXml(twiml)).map((v: XmlElement) => {
    if (v.name !== 'Stop') return v.name;
    const rec = childElements(v).find((c) => c.name === 'Recording');
    return rec ? `Stop:Recording:${rec.attrs.name ?? ''}` : 'Stop';
  });
}

/** Stop Recording is the first verb; the Dial to the team comes after it, and nothing else dials. */
function expectStopThenDial(twiml: string): void {
  const order = verbs(twiml);
  expect(order[0]).toBe('Stop:Recording:consent');
  expect(order.indexOf('Dial')).toBeGreaterThan(0);
  expect(order).not.toContain('Gather');
  expect(order).not.toContain('Redirect');
}

/** What the caller heard after `from`: said in their language, none of it while recording; then the team. */
function expectHeardUnrecorded(c: EmulatedCall, lng: string, from: number): void {
  const after = c.heard.slice(from);
  const says = after.filter((h) => h.verb === 'Say');
  expect(says.map((h) => h.text).join(' ')).toContain(openingOf(lng, 'error'));
  expect(says.map((h) => h.text).join(' ')).toContain(openingOf(lng, 'handoverNoConsent'));
  expect(says.every((h) => h.language === speechOf(lng))).toBe(true);
  expect(says.filter((h) => h.recording)).toEqual([]);
  const dial = after.find((h) => h.verb === 'Dial');
  expect(dial?.number).toBe(AGENT);
  expect(dial?.recording).toBe(false);
  expect(c.heard.some((h) => h.text === 'APPLICATION ERROR')).toBe(false);
  expect(c.errors).toEqual([]);
}

describe.each(LOCALES)('a caller in %s', (lng) => {
  afterEach(repairLedger);

  test('when the ledger fails at their answer, the recording stops before the apology and the handover', async () => {
    const c = await startCall(lng);
    const before = c.heard.length;
    breakLedger();
    await c.press('1');
    expectStopThenDial(c.lastTwiml);
    expectHeardUnrecorded(c, lng, before);
    repairLedger();
    // The yes never reached the ledger: no consent exists.
    expect(gw.runtime.ledger.consentsForCall(c.callSid)).toHaveLength(0);
  });

  test('when their call reaches a URL whose state cannot be read, the recording stops and a human takes over', async () => {
    const c = await startCall(lng);
    const before = c.heard.length;
    // A live call redirected (REST update) to an action URL with a state this service never wrote.
    c.requestUpdate({ kind: 'url', url: `${gw.url}/voice/answer?s=dGFtcGVyZWQ`, method: 'POST' });
    await gw.emulator.settle();
    expectStopThenDial(c.lastTwiml);
    expectHeardUnrecorded(c, lng, before);
  });
});

test('a fail-safe handover on a known call is written to the ledger: handover to a human, recording stop requested', async () => {
  const c = await startCall('de');
  const res = await gw.emulator.signedPost('/voice/answer?s=not-a-state', { ...c.params, Digits: '1' });
  expect(res.status).toBe(200);
  expectStopThenDial(res.body);
  const report = gw.report(c.callSid);
  expect(report.routedTo).toBe('human');
  expect(report.events.map((e) => e.type)).toEqual(
    expect.arrayContaining(['fail_safe', 'recording_stop_requested', 'handover']),
  );
  expect(report.consentId).toBeNull();
});

test.each(['garbage', `CA${'z'.repeat(32)}`])(
  'a CallSid that cannot be read (%p) still gets TwiML that stops the recording and dials the team',
  async (sid) => {
    const res = await gw.emulator.signedPost('/voice/answer?s=x', { CallSid: sid, Digits: '1' });
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/xml/);
    expectStopThenDial(res.body);
  },
);

test('a request with no CallSid at all (Twilio never sends one) is answered 400', async () => {
  const res = await gw.emulator.signedPost('/voice/answer?s=x', { Digits: '1' });
  expect(res.status).toBe(400);
});

test('without a human team, the fail-safe stops the recording, apologises and ends the call', async () => {
  const bare = await startGateway({ HUMAN_AGENT_NUMBER: '' });
  try {
    const c = bare.emulator.placeCall({ from: '+4915100000077', to: '+4930', fromCountry: 'DE' });
    await c.start();
    breakEventInserts(bare.runtime.ledger.db);
    await c.press('1');
    const order = verbs(c.lastTwiml);
    expect(order[0]).toBe('Stop:Recording:consent');
    expect(order[order.length - 1]).toBe('Hangup');
    expect(order).not.toContain('Dial');
    expect(
      c.heard
        .filter((h) => h.verb === 'Say')
        .slice(-2)
        .every((h) => h.recording === false),
    ).toBe(true);
  } finally {
    await bare.close().catch(() => undefined);
  }
});
