import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { parseXml, textContent, XmlParseError } from './twiml-parser';
import { TwilioEmulator, twilioSignature } from './twilio-emulator';

const ACCOUNT_SID = 'AC' + '0'.repeat(32);
const AUTH_TOKEN = 'test-auth-token';

interface Hit {
  path: string;
  method: string;
  params: Record<string, string>;
  valid: boolean;
}

type Script = (params: Record<string, string>) => string | { status: number; body: string; type?: string };

/** A tiny app that answers scripted TwiML and checks every signature with twilio.validateRequest. */
class ScriptedApp {
  hits: Hit[] = [];
  scripts = new Map<string, Script>();
  baseUrl = '';
  private server?: Server;

  async start(): Promise<void> {
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    app.all('/{*rest}', (req, res) => {
      const params: Record<string, string> =
        req.method === 'POST' ? (req.body as Record<string, string>) : {};
      const url = this.baseUrl + req.originalUrl;
      const valid = twilio.validateRequest(AUTH_TOKEN, req.header('X-Twilio-Signature') ?? '', url, params);
      const query = Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, String(v)]));
      this.hits.push({ path: req.path, method: req.method, params: { ...query, ...params }, valid });
      if (!valid) {
        res.status(403).type('text/plain').send('bad signature');
        return;
      }
      const script = this.scripts.get(req.path);
      const out = script ? script({ ...query, ...params }) : '<Response/>';
      if (typeof out === 'string') res.status(200).type('text/xml').send(out);
      else
        res
          .status(out.status)
          .type(out.type ?? 'text/xml')
          .send(out.body);
    });
    await new Promise<void>((resolve) => {
      this.server = app.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = this.server?.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}`;
  }

  on(path: string, script: Script | string): void {
    this.scripts.set(path, typeof script === 'string' ? () => script : script);
  }

  paths(): string[] {
    return this.hits.map((h) => h.path);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

const basicAuth = 'Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64');

let app: ScriptedApp;
let emu: TwilioEmulator;

beforeEach(async () => {
  app = new ScriptedApp();
  await app.start();
  emu = await TwilioEmulator.start({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    appBaseUrl: app.baseUrl,
  });
});

afterEach(async () => {
  await emu.close();
  await app.stop();
});

describe('twiml parser', () => {
  it('When a document has entities, CDATA and comments, then text and attributes are decoded', () => {
    const root = parseXml(
      '<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><Response><Say a="x &amp; &quot;y&quot;">A &lt;b&gt; &#228;&#xE4; &apos;<![CDATA[<raw>]]></Say></Response>',
    );
    const say = root.children[0];
    expect(typeof say === 'object' && say.attrs.a).toBe('x & "y"');
    expect(textContent(root)).toBe("A <b> ää '<raw>");
  });

  it.each([
    '<Response><Say></Response>',
    '<Response><Say>&nbsp;</Say></Response>',
    '<Response a="1" a="2"/>',
    '<Response>x < y</Response>',
    '<Response/><Response/>',
  ])('When the document is malformed (%s), then it throws', (xml) => {
    expect(() => parseXml(xml)).toThrow(XmlParseError);
  });
});

describe('twilio emulator', () => {
  it('When it calls the app, then every signature validates with twilio.validateRequest, GET redirects included', async () => {
    app.on(
      '/voice/incoming',
      '<Response><Say>Hallo</Say><Redirect method="GET">/next?step=2</Redirect></Response>',
    );
    app.on('/next', '<Response><Hangup/></Response>');
    const call = emu.placeCall({
      from: '+4915112345678',
      to: '+4930123456',
      fromCountry: 'DE',
      toCountry: 'DE',
    });
    await call.start();

    expect(app.paths()).toEqual(['/voice/incoming', '/next', '/voice/status']);
    expect(app.hits.every((h) => h.valid)).toBe(true);
    const incoming = app.hits[0]?.params;
    expect(incoming).toMatchObject({
      CallSid: call.callSid,
      AccountSid: ACCOUNT_SID,
      From: '+4915112345678',
      To: '+4930123456',
      Caller: '+4915112345678',
      Called: '+4930123456',
      CallStatus: 'ringing',
      Direction: 'inbound',
      ApiVersion: '2010-04-01',
      FromCountry: 'DE',
    });
    expect(call.callSid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(app.hits[1]).toMatchObject({ method: 'GET', params: { step: '2', CallStatus: 'in-progress' } });
    expect(app.hits[2]?.params).toMatchObject({
      CallStatus: 'completed',
      CallbackSource: 'call-progress-events',
    });
    expect(call.heard.map((h) => h.verb)).toEqual(['Say', 'Redirect', 'Hangup']);
    expect(call.state).toBe('completed');
    expect(call.endedReason).toBe('hangup');
  });

  it('When signedPost is asked for a bad or missing signature, then the app sees an invalid request', async () => {
    const params = { CallSid: 'CA' + '1'.repeat(32), Digits: '1' };
    expect(twilioSignature(AUTH_TOKEN, 'https://x.test/a?b=1', params)).toBe(
      twilio.getExpectedTwilioSignature(AUTH_TOKEN, 'https://x.test/a?b=1', params),
    );
    expect((await emu.signedPost('/voice/incoming', params)).status).toBe(200);
    expect((await emu.signedPost('/voice/incoming', params, { badSignature: true })).status).toBe(403);
    expect((await emu.signedPost('/voice/incoming', params, { noSignature: true })).status).toBe(403);
    expect(app.hits.map((h) => h.valid)).toEqual([true, false, false]);
  });

  it('When the caller is silent, then the Gather falls through to the next verb without calling the action', async () => {
    app.on(
      '/voice/incoming',
      '<Response><Gather input="dtmf speech" action="/answer" language="de-DE" hints="ja, nein"><Say language="de-DE">Frage?</Say></Gather><Say>Nichts gehört</Say></Response>',
    );
    const call = emu.placeCall({ from: '+491511', to: '+4930' });
    await call.start();
    expect(call.awaitingInput).toBe(true);
    expect(call.lastGather).toMatchObject({ input: 'dtmf speech', hints: 'ja, nein' });
    await call.silence();
    expect(call.heard.map((h) => h.text)).toEqual(['Frage?', 'Nichts gehört']);
    expect(call.heard[0]?.language).toBe('de-DE');
    expect(app.paths()).not.toContain('/answer');
    expect(call.state).toBe('completed');
    expect(call.endedReason).toBe('twiml-end');
  });

  it('When actionOnEmptyResult is true, then silence posts the action with neither Digits nor SpeechResult', async () => {
    app.on(
      '/voice/incoming',
      '<Response><Gather input="speech" action="answer?try=1" actionOnEmptyResult="true"><Say>Frage?</Say></Gather></Response>',
    );
    app.on('/voice/answer', '<Response><Gather numDigits="1" action="/digits"/></Response>');
    app.on('/digits', '<Response><Gather input="speech" action="/speech"/></Response>');
    const call = emu.placeCall({ from: '+491511', to: '+4930' });
    await call.start();
    await call.silence();
    const empty = app.hits.find((h) => h.path === '/voice/answer'); // relative action resolved against the document URL
    expect(empty?.params.try).toBe('1');
    expect(empty?.params).not.toHaveProperty('Digits');
    expect(empty?.params).not.toHaveProperty('SpeechResult');

    await expect(call.say('ja')).rejects.toThrow(/does not take speech/);
    await call.press('12');
    expect(app.hits.find((h) => h.path === '/digits')?.params.Digits).toBe('1');
    await call.say('ja bitte', 0.5);
    expect(app.hits.find((h) => h.path === '/speech')?.params).toMatchObject({
      SpeechResult: 'ja bitte',
      Confidence: '0.5',
    });
  });

  it('When the app dials a number with a url, then the whisper is captured and the Dial action gets DialCallStatus', async () => {
    app.on(
      '/voice/incoming',
      '<Response><Say>Ich verbinde</Say><Dial action="/dialed" callerId="+4930"><Number url="/whisper">+4930999</Number></Dial><Say>unreachable</Say></Response>',
    );
    app.on('/whisper', '<Response><Say language="de-DE">Anrufer hat abgelehnt</Say></Response>');
    app.on('/dialed', '<Response><Hangup/></Response>');
    const call = emu.placeCall({ from: '+491511', to: '+4930' });
    await call.start();

    const dial = call.heard.find((h) => h.verb === 'Dial');
    expect(dial?.number).toBe('+4930999');
    expect(dial?.whisper).toEqual([
      { verb: 'Say', text: 'Anrufer hat abgelehnt', language: 'de-DE', attrs: { language: 'de-DE' } },
    ]);
    const whisperHit = app.hits.find((h) => h.path === '/whisper');
    expect(whisperHit?.valid).toBe(true);
    expect(whisperHit?.params).toMatchObject({
      ParentCallSid: call.callSid,
      To: '+4930999',
      Direction: 'outbound-dial',
    });
    expect(app.hits.find((h) => h.path === '/dialed')?.params.DialCallStatus).toBe('completed');
    expect(call.heard.map((h) => h.text)).not.toContain('unreachable');
  });

  it('When a recording stops, then its signed callback carries the documented parameters and the media needs Basic auth', async () => {
    app.on(
      '/voice/incoming',
      '<Response><Start><Recording name="consent" recordingStatusCallback="/rec" recordingStatusCallbackEvent="in-progress completed"/></Start><Gather action="/answer" numDigits="1"><Say>Drücken Sie 1</Say></Gather></Response>',
    );
    app.on('/answer', '<Response><Stop><Recording name="consent"/></Stop><Say>Danke</Say></Response>');
    const call = emu.placeCall({ from: '+491511', to: '+4930', recordingSeconds: 3 });
    await call.start();
    const [rec] = [...emu.recordings.values()];
    expect(rec?.status).toBe('in-progress');
    expect(rec?.sid).toMatch(/^RE[0-9a-f]{32}$/);
    await call.press('1');

    const callbacks = app.hits.filter((h) => h.path === '/rec');
    expect(callbacks.map((h) => h.params.RecordingStatus)).toEqual(['in-progress', 'completed']);
    expect(callbacks.every((h) => h.valid)).toBe(true);
    const done = callbacks[1]?.params ?? {};
    const mediaUrl = `${emu.apiBase}/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${rec?.sid}`;
    expect(done).toMatchObject({
      AccountSid: ACCOUNT_SID,
      CallSid: call.callSid,
      RecordingSid: rec?.sid,
      RecordingUrl: mediaUrl,
      RecordingDuration: '3',
      RecordingChannels: '1',
      RecordingSource: 'StartCallRecording',
    });
    expect(done.RecordingStartTime).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
    expect(rec?.status).toBe('completed');

    expect((await fetch(`${mediaUrl}.wav`)).status).toBe(401);
    const wrong = 'Basic ' + Buffer.from(`${ACCOUNT_SID}:nope`).toString('base64');
    expect((await fetch(`${mediaUrl}.wav`, { headers: { Authorization: wrong } })).status).toBe(401);
    const media = await fetch(`${mediaUrl}.wav`, { headers: { Authorization: basicAuth } });
    expect(media.status).toBe(200);
    expect(media.headers.get('content-type')).toBe('audio/x-wav');
    const wav = Buffer.from(await media.arrayBuffer());
    expect(wav.subarray(0, 4).toString()).toBe('RIFF');
    expect(wav.readUInt16LE(22)).toBe(1); // channels
    expect(wav.readUInt32LE(24)).toBe(8000); // sample rate
    expect(wav.length).toBeGreaterThanOrEqual(3 * 8000 * 2);

    const meta = await fetch(`${mediaUrl}.json`, { headers: { Authorization: basicAuth } });
    expect(await meta.json()).toMatchObject({ sid: rec?.sid, status: 'completed', duration: '3' });
    const del = await fetch(`${mediaUrl}.json`, { method: 'DELETE', headers: { Authorization: basicAuth } });
    expect(del.status).toBe(204);
    expect(emu.recordings.get(rec?.sid ?? '')?.status).toBe('deleted');
    expect((await fetch(`${mediaUrl}.wav`, { headers: { Authorization: basicAuth } })).status).toBe(404);
    expect(emu.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
  });

  it.each([
    ['recording-first', ['/rec', '/voice/status']],
    ['status-first', ['/voice/status', '/rec']],
  ] as const)(
    'When the caller hangs up with callbackOrder %s, then the callbacks arrive in that order',
    async (order, expected) => {
      app.on(
        '/voice/incoming',
        '<Response><Start><Recording recordingStatusCallback="/rec"/></Start><Gather action="/answer"><Say>Frage</Say></Gather></Response>',
      );
      const call = emu.placeCall({ from: '+491511', to: '+4930', callbackOrder: order });
      await call.start();
      await call.hangup();
      expect(call.endedReason).toBe('caller-hangup');
      expect(app.paths().slice(1)).toEqual(expected);
      expect(app.paths()).not.toContain('/answer');
      expect(app.hits.find((h) => h.path === '/voice/status')?.params).toMatchObject({
        CallStatus: 'completed',
      });
    },
  );

  it('When the app answers 500 or non-XML, then the caller hears an application error and the call ends', async () => {
    app.on('/voice/incoming', () => ({ status: 500, body: 'boom', type: 'text/plain' }));
    const call = emu.placeCall({ from: '+491511', to: '+4930' });
    await call.start();
    expect(call.heard).toEqual([{ verb: 'Say', text: 'APPLICATION ERROR', attrs: {} }]);
    expect(call.endedReason).toBe('application-error');

    app.on('/voice/incoming', () => ({ status: 200, body: '{"ok":true}', type: 'application/json' }));
    const second = emu.placeCall({ from: '+491511', to: '+4930' });
    await second.start();
    expect(second.heard[0]?.text).toBe('APPLICATION ERROR');
  });

  it('When the app uses the REST API, then messages, Twilio.CURRENT stops and injected media faults behave like Twilio', async () => {
    const base = `${emu.apiBase}/2010-04-01/Accounts/${ACCOUNT_SID}`;
    app.on(
      '/voice/incoming',
      '<Response><Start><Recording recordingStatusCallback="/rec"/></Start><Connect><Stream url="wss://ai.example/stream"/></Connect></Response>',
    );
    const call = emu.placeCall({ from: '+491511', to: '+4930' });
    await call.start();
    expect(call.isConnected).toBe(true);
    expect(call.heard[0]).toMatchObject({ verb: 'Connect', url: 'wss://ai.example/stream' });

    const stop = await fetch(`${base}/Calls/${call.callSid}/Recordings/Twilio.CURRENT.json`, {
      method: 'POST',
      headers: { Authorization: basicAuth, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'Status=stopped',
    });
    expect(stop.status).toBe(200);
    await emu.settle();
    expect(app.hits.filter((h) => h.path === '/rec')).toHaveLength(1);

    const sms = await fetch(`${base}/Messages.json`, {
      method: 'POST',
      headers: { Authorization: basicAuth, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ To: '+491511', From: '+4930', Body: 'Ihre Einwilligung' }).toString(),
    });
    expect(sms.status).toBe(201);
    expect(((await sms.json()) as { sid: string }).sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(emu.messages).toMatchObject([{ to: '+491511', from: '+4930', body: 'Ihre Einwilligung' }]);

    const [rec] = [...emu.recordings.values()];
    emu.faults = { media: 'truncated' };
    const truncated = await fetch(`${base}/Recordings/${rec?.sid}.wav`, {
      headers: { Authorization: basicAuth },
    });
    await expect(truncated.arrayBuffer()).rejects.toThrow();
    emu.faults = { media: '500' };
    expect(
      (await fetch(`${base}/Recordings/${rec?.sid}`, { headers: { Authorization: basicAuth } })).status,
    ).toBe(500);

    await call.hangup();
    expect(call.state).toBe('completed');
    expect(app.hits.filter((h) => h.path === '/rec')).toHaveLength(1);
  });
});
