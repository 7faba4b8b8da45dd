import { parseTwiml } from '../../src/twiml/parse';
import { findTwiml } from '../support/twiml-nodes';
import { ConfigError, loadConfig } from '../../src/config';
import { startGateway, type Gateway } from '../support/gateway';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});

/** The state parameter of the open question's action URL. */
const stateOf = (twiml: string): string => {
  const action = findTwiml(parseTwiml(twiml), 'Gather')?.attrs.action ?? '';
  return new URL(action).searchParams.get('s') ?? '';
};
const dialled = (body: string): string | undefined => findTwiml(parseTwiml(body), 'Dial')?.children[0]?.text;
const events = (callSid: string, type: string): number =>
  gw.runtime.ledger.db
    .prepare('SELECT COUNT(*) FROM events WHERE call_sid = ? AND type = ?')
    .pluck()
    .get(callSid, type) as number;

async function consentingCall(from: string) {
  const call = gw.emulator.placeCall({ from, to: '+4930123456', fromCountry: 'DE' });
  await call.start();
  await call.press('1');
  return call;
}

describe('the call state in action URLs', () => {
  test('a state taken from one call and replayed in another call withdraws nothing and hands the caller to a human', async () => {
    const victim = await consentingCall('+4915100000101');
    const victimState = stateOf(victim.lastTwiml);
    const consentId = gw.report(victim.callSid).consentId as string;

    const attacker = gw.emulator.placeCall({ from: '+4915100000102', to: '+4930123456', fromCountry: 'DE' });
    await attacker.start();
    const res = await gw.emulator.signedPost(`/voice/answer?s=${victimState}`, {
      ...attacker.params,
      CallStatus: 'in-progress',
      Digits: '0',
    });
    expect(res.status).toBe(200);
    expect(dialled(res.body)).toBe('+4930111222');
    expect(gw.runtime.ledger.getConsent(consentId)?.status).toBe('active');
    expect(events(attacker.callSid, 'withdrawn')).toBe(0);
  });

  test('a state written by hand (plain base64 JSON naming a consent) is refused: the consent stays', async () => {
    const victim = await consentingCall('+4915100000103');
    const consentId = gw.report(victim.callSid).consentId as string;
    const attacker = gw.emulator.placeCall({ from: '+4915100000104', to: '+4930123456', fromCountry: 'DE' });
    await attacker.start();
    const forged = Buffer.from(
      JSON.stringify({
        lng: 'de',
        q: 'purpose',
        pi: 1,
        miss: 0,
        ans: { call: true },
        cid: consentId,
        age: 16,
      }),
    ).toString('base64url');
    const res = await gw.emulator.signedPost(`/voice/answer?s=${forged}`, {
      ...attacker.params,
      CallStatus: 'in-progress',
      Digits: '0',
    });
    expect(res.status).toBe(200);
    expect(dialled(res.body)).toBe('+4930111222');
    expect(gw.runtime.ledger.getConsent(consentId)?.status).toBe('active');
  });

  test('the state does not show the consent ID to whoever sees the URL', async () => {
    const call = await consentingCall('+4915100000105');
    const consentId = gw.report(call.callSid).consentId as string;
    const state = stateOf(call.lastTwiml);
    expect(state).not.toBe('');
    expect(Buffer.from(state, 'base64url').toString('latin1')).not.toContain(consentId);
    expect(call.lastTwiml).not.toContain(consentId);
  });
});

describe('a repeated /voice/consent', () => {
  test('writes disclosed once and keeps the first clip start', async () => {
    const call = gw.emulator.placeCall({ from: '+4915100000106', to: '+4930123456', fromCountry: 'DE' });
    await call.start();
    const consentUrl = gw.emulator.webhooks.find(
      (w) => w.url.includes('/voice/consent') && w.params.CallSid === call.callSid,
    );
    expect(consentUrl).toBeDefined();
    const started = gw.runtime.ledger.getCall(call.callSid)?.recording_started_ms;
    await new Promise((r) => setTimeout(r, 20));
    const path = new URL(consentUrl!.url).pathname + new URL(consentUrl!.url).search;
    const replay = await gw.emulator.signedPost(path, consentUrl!.params);
    expect(replay.status).toBe(200);
    expect(events(call.callSid, 'disclosed')).toBe(1);
    expect(gw.runtime.ledger.getCall(call.callSid)?.recording_started_ms).toBe(started);
    // The question Twilio gets from the repeat starts where the first one did.
    await gw.emulator.signedPost(`/voice/answer?s=${stateOf(replay.body)}`, {
      ...call.params,
      CallStatus: 'in-progress',
      Digits: '1',
    });
    expect(gw.runtime.ledger.consentsForCall(call.callSid)[0]?.clip_start_ms).toBe(started);
  });
});

describe('speech confidence', () => {
  test.each(['abc', 'NaN', 'high', undefined])(
    'a yes with Confidence=%p is not a consent',
    async (confidence) => {
      const call = gw.emulator.placeCall({ from: '+4915100000107', to: '+4930123456', fromCountry: 'DE' });
      await call.start();
      const res = await gw.emulator.signedPost(`/voice/answer?s=${stateOf(call.lastTwiml)}`, {
        ...call.params,
        CallStatus: 'in-progress',
        SpeechResult: 'ja gerne',
        ...(confidence === undefined ? {} : { Confidence: confidence }),
      });
      expect(res.status).toBe(200);
      expect(gw.runtime.ledger.consentsForCall(call.callSid)).toHaveLength(0);
    },
  );
});

describe('configuration', () => {
  test.each(['staging', 'production'])(
    'NODE_ENV=%s without TWILIO_AUTH_TOKEN refuses to start, naming it',
    (env) => {
      let problems: string[] = [];
      try {
        loadConfig({ NODE_ENV: env } as NodeJS.ProcessEnv);
      } catch (error) {
        if (error instanceof ConfigError) problems = error.problems;
      }
      expect(problems.some((p) => p.startsWith('TWILIO_AUTH_TOKEN'))).toBe(true);
    },
  );
});
