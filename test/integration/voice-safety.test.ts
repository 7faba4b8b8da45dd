import { parseTwiml } from '../../src/twiml/parse';
import { ACCOUNT_SID, startGateway, type Gateway } from '../support/gateway';
import { breakEventInserts, repairEventInserts } from '../support/test-database';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});

const callCount = () => gw.runtime.ledger.db.prepare('SELECT COUNT(*) FROM calls').pluck().get() as number;
const eventCount = () => gw.runtime.ledger.db.prepare('SELECT COUNT(*) FROM events').pluck().get() as number;
const incoming = (sid: string) => ({
  CallSid: sid,
  AccountSid: 'AC',
  From: '+4915100000000',
  To: '+4930',
  CallStatus: 'ringing',
  Direction: 'inbound',
});
const SID = `CA${'0'.repeat(31)}1`;

describe('Twilio-facing routes', () => {
  test('a body that is not a form, or is too large, is refused before anything is written', async () => {
    const before = [callCount(), eventCount()];
    const json = await fetch(`${gw.url}/voice/incoming`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-twilio-signature': 'forged' },
      body: JSON.stringify(incoming(SID)),
    });
    expect(json.status).toBe(403);
    // Unsigned: 403 (the contract's answer to a missing signature), whatever the size.
    const unsigned = await fetch(`${gw.url}/voice/incoming`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...incoming(SID), Padding: 'x'.repeat(64 * 1024) }).toString(),
    });
    expect(unsigned.status).toBe(403);
    // Beyond what is read to check a signature at all (1 MiB): 413.
    const huge = await fetch(`${gw.url}/voice/incoming`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'forged' },
      body: new URLSearchParams({ ...incoming(SID), Padding: 'x'.repeat(2 * 1024 * 1024) }).toString(),
    });
    expect(huge.status).toBe(413);
    expect([callCount(), eventCount()]).toEqual(before);
  });

  test.each([
    '/voice/incoming',
    '/voice/status',
    '/voice/answer?s=x',
    '/voice/recording',
    '/voice/consent?s=x',
  ])(
    'when %s is called with a wrong or missing signature, it answers 403 and writes nothing',
    async (path) => {
      const before = [callCount(), eventCount()];
      expect((await gw.emulator.signedPost(path, incoming(SID), { badSignature: true })).status).toBe(403);
      expect((await gw.emulator.signedPost(path, incoming(SID), { noSignature: true })).status).toBe(403);
      expect([callCount(), eventCount()]).toEqual(before);
    },
  );

  test.each<Record<string, string>>([{}, { CallSid: '' }])(
    'when the CallSid is missing (%p), it answers 400 and writes nothing',
    async (params) => {
      const before = [callCount(), eventCount()];
      const res = await gw.emulator.signedPost('/voice/incoming', params);
      expect(res.status).toBe(400);
      expect([callCount(), eventCount()]).toEqual(before);
    },
  );

  test('a correctly signed webhook with a field named __proto__ is served, not refused as unsigned', async () => {
    const params: Record<string, string> = { ...incoming(`CA${'e'.repeat(32)}`) };
    Object.defineProperty(params, '__proto__', { value: 'x', enumerable: true });
    const res = await gw.emulator.signedPost('/voice/incoming', params);
    expect(res.status).toBe(200);
    expect(parseTwiml(res.body).name).toBe('Response');
  });

  test.each<Record<string, string>>([{ CallSid: 'garbage' }, { CallSid: `CA${'z'.repeat(32)}` }])(
    'when the CallSid is garbage (%p), the caller is still sent to a human and nothing is written',
    async (params) => {
      const before = [callCount(), eventCount()];
      const res = await gw.emulator.signedPost('/voice/incoming', params);
      expect(res.status).toBe(200);
      expect(parseTwiml(res.body).children.map((v) => v.name)).toEqual(['Stop', 'Say', 'Say', 'Say', 'Dial']);
      expect([callCount(), eventCount()]).toEqual(before);
    },
  );

  test('when an answer arrives for a call the ledger does not know, the caller still gets TwiML that routes to a human', async () => {
    const res = await gw.emulator.signedPost(
      '/voice/answer?s=eyJsbmciOiJkZSIsInEiOiJtYWluIiwicGkiOjAsIm1pc3MiOjAsImFucyI6e319',
      { CallSid: `CA${'3'.repeat(32)}`, Digits: '1' },
    );
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/xml/);
    const twiml = parseTwiml(res.body);
    expect(twiml.children.find((v) => v.name === 'Dial')?.children[0]?.text).toBe('+4930111222');
  });

  test('when the state in the URL has been tampered with, the caller is sent to a human and no consent is written', async () => {
    const before = eventCount();
    const res = await gw.emulator.signedPost('/voice/answer?s=not-a-state', { CallSid: SID, Digits: '1' });
    expect(res.status).toBe(200);
    expect(parseTwiml(res.body).children.find((v) => v.name === 'Dial')).toBeDefined();
    // The call is unknown to the ledger: nothing to note, nothing consented.
    expect(eventCount()).toBe(before);
  });

  test('GET /healthz answers 200 with JSON once the server can take calls', async () => {
    const res = await fetch(`${gw.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', checks: { ledger: 'ok', ffmpeg: 'ok' } });
  });
});

describe('when the ledger fails', () => {
  /** Every write aborts inside the database, as on a full or failing disk; the writer thread is the one that meets it. */
  const breakLedger = (gw: Gateway): void => {
    breakEventInserts(gw.runtime.ledger.db);
  };
  const repairLedger = (gw: Gateway): void => {
    repairEventInserts(gw.runtime.ledger.db);
  };

  test('a voice webhook still answers valid TwiML that sends the caller to a human, never a 5xx or a consent', async () => {
    const broken = await startGateway();
    try {
      const call = broken.emulator.placeCall({ from: '+4915100000009', to: '+4930', fromCountry: 'DE' });
      await call.start();
      breakLedger(broken);
      await call.press('1');
      expect(call.heard.some((h) => h.text === 'APPLICATION ERROR')).toBe(false);
      const dial = call.heard.find((h) => h.verb === 'Dial');
      expect(dial?.number).toBe('+4930111222');
      const twiml = parseTwiml(call.lastTwiml);
      expect(twiml.children.map((v) => v.name)).not.toContain('Redirect');
      // Voice webhooks (TwiML) never answer 5xx; callbacks may, so that Twilio retries them.
      const voice = broken.emulator.webhooks.filter((w) => w.kind === 'twiml' || w.kind === 'whisper');
      expect(voice.map((w) => w.status).filter((s) => s >= 500)).toEqual([]);
      // The yes never reached the ledger, so no consent exists and no token claimed one.
      expect(broken.runtime.ledger.consentsForCall(call.callSid)).toHaveLength(0);
    } finally {
      await broken.close().catch(() => undefined);
    }
  });

  test('a status callback during the outage answers 503, and Twilio’s retry after it is recorded', async () => {
    const gw = await startGateway();
    try {
      const call = gw.emulator.placeCall({ from: '+4915100000013', to: '+4930', fromCountry: 'DE' });
      await call.start();
      breakLedger(gw);
      const params = { CallSid: call.callSid, AccountSid: ACCOUNT_SID, CallStatus: 'completed' };
      const during = await gw.emulator.signedPost('/voice/status', params);
      expect(during.status).toBe(503);
      repairLedger(gw);
      const retry = await gw.emulator.signedPost('/voice/status', params);
      expect(retry.status).toBe(204);
      expect(gw.report(call.callSid).outcome).toBe('abandoned');
    } finally {
      await gw.close();
    }
  });
});

describe('without a human team or an assistant configured', () => {
  test('a handover apologises and ends the call; a consenting caller hears a closing message', async () => {
    const bare = await startGateway({ HUMAN_AGENT_NUMBER: '', ASSISTANT_URL: '' });
    try {
      const refuser = bare.emulator.placeCall({ from: '+4915100000010', to: '+4930', fromCountry: 'DE' });
      await refuser.start();
      await refuser.press('2');
      expect(refuser.heard.some((h) => h.verb === 'Dial')).toBe(false);
      expect(refuser.heard.map((h) => h.text).join(' ')).toMatch(/später noch einmal/);
      expect(bare.report(refuser.callSid).routedTo).toBe('none');

      const consenter = bare.emulator.placeCall({ from: '+4915100000011', to: '+4930', fromCountry: 'DE' });
      await consenter.start();
      for (const d of ['1', '2', '2']) await consenter.press(d);
      expect(consenter.heard.map((h) => h.text).join(' ')).toMatch(/Vielen Dank für Ihren Anruf/);
      expect(bare.report(consenter.callSid)).toMatchObject({ outcome: 'granted', routedTo: 'none' });
    } finally {
      await bare.close();
    }
  });
});

describe('with a media-stream assistant', () => {
  test('a consenting caller is connected to the wss stream with the signed consent token as a parameter', async () => {
    const ws = await startGateway({ ASSISTANT_URL: 'wss://assistant.example.com/stream' });
    try {
      const call = ws.emulator.placeCall({ from: '+4915100000012', to: '+4930', fromCountry: 'DE' });
      await call.start();
      for (const d of ['1', '1', '1']) await call.press(d);
      const twiml = parseTwiml(call.lastTwiml);
      const stream = twiml.children
        .find((v) => v.name === 'Connect')
        ?.children.find((v) => v.name === 'Stream');
      expect(stream?.attrs.url).toBe('wss://assistant.example.com/stream');
      const token = stream?.children.find((p) => p.attrs.name === 'consentToken')?.attrs.value ?? '';
      expect(token.split('.')).toHaveLength(3);
    } finally {
      await ws.close();
    }
  });
});

describe('refusing never means no service', () => {
  test('in development without HUMAN_AGENT_NUMBER, /healthz names the missing human team', async () => {
    const bare = await startGateway({ HUMAN_AGENT_NUMBER: '' });
    try {
      const res = await fetch(`${bare.url}/healthz`);
      const body = (await res.json()) as { checks: Record<string, string> };
      expect(body.checks.humanAgent).toMatch(/^missing: .*HUMAN_AGENT_NUMBER/);
      expect(bare.config.defaultsInUse.join('\n')).toMatch(/HUMAN_AGENT_NUMBER/);
    } finally {
      await bare.close();
    }
    const res = await fetch(`${gw.url}/healthz`);
    expect(((await res.json()) as { checks: Record<string, string> }).checks.humanAgent).toBe('ok');
  });
});
