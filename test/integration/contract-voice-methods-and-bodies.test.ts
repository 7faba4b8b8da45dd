import crypto from 'node:crypto';
import fc from 'fast-check';
import { parseTwiml } from '../../src/twiml/parse';
import { ACCOUNT_SID, startGateway, type Gateway } from '../support/gateway';

/**
 * What an outsider sends to the Twilio-facing routes besides Twilio's own requests: other HTTP
 * methods, unsigned or signed bodies far beyond what Twilio sends. Nothing unsigned writes
 * anything or gets past 403; a signed request of a call still gets TwiML (never an error Twilio
 * reads out to the caller as "an application error has occurred").
 */
let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});

const ROUTES = ['incoming', 'status', 'consent', 'answer', 'recording', 'dial', 'whisper'];
const newSid = () => `CA${crypto.randomBytes(16).toString('hex')}`;
const eventCount = () => Number(gw.runtime.ledger.db.prepare('SELECT COUNT(*) FROM events').pluck().get());
const callParams = (callSid: string) => ({
  AccountSid: ACCOUNT_SID,
  CallSid: callSid,
  From: '+4915112399001',
  To: '+4930123456',
  CallStatus: 'ringing',
  Direction: 'inbound',
});

test.each(['GET', 'PUT', 'DELETE', 'PATCH'])(
  '%s to each Twilio route answers 405 with Allow: POST and writes nothing',
  async (method) => {
    const before = eventCount();
    for (const route of ROUTES) {
      const res = await fetch(`${gw.url}/voice/${route}?CallSid=${newSid()}`, {
        method,
        ...(method === 'GET' ? {} : { body: new URLSearchParams(callParams(newSid())).toString() }),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'x' },
      });
      expect({ route, status: res.status, allow: res.headers.get('allow') }).toEqual({
        route,
        status: 405,
        allow: 'POST',
      });
    }
    expect(eventCount()).toBe(before);
  },
);

test('an unsigned or wrongly signed oversized body is refused with 403 and writes nothing', async () => {
  const before = eventCount();
  const big = { ...callParams(newSid()), Padding: 'a'.repeat(100_000) };
  expect((await gw.emulator.signedPost('/voice/incoming', big, { noSignature: true })).status).toBe(403);
  expect((await gw.emulator.signedPost('/voice/incoming', big, { badSignature: true })).status).toBe(403);
  expect((await gw.emulator.signedPost('/voice/status', big, { noSignature: true })).status).toBe(403);
  expect(eventCount()).toBe(before);
});

test('a correctly signed call webhook of any size (up to 1 MiB) gets TwiML, and an oversized one stops the recording', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 1_000_000 }), async (padding) => {
      const callSid = newSid();
      const res = await gw.emulator.signedPost('/voice/incoming', {
        ...callParams(callSid),
        Padding: 'a'.repeat(padding),
      });
      expect(res.status).toBe(200);
      const verbs = parseTwiml(res.body).children.map((v) => v.name);
      expect(verbs.length).toBeGreaterThan(0);
      if (padding > 32 * 1024) expect(verbs[0]).toBe('Stop');
    }),
    { numRuns: 12, examples: [[0], [40_000], [999_000]] },
  );
});

test('a correctly signed oversized status callback is answered 413 and changes nothing', async () => {
  const callSid = newSid();
  expect((await gw.emulator.signedPost('/voice/incoming', callParams(callSid))).status).toBe(200);
  const before = eventCount();
  const res = await gw.emulator.signedPost('/voice/status', {
    ...callParams(callSid),
    CallStatus: 'completed',
    Padding: 'a'.repeat(100_000),
  });
  expect(res.status).toBe(413);
  expect(eventCount()).toBe(before);
  expect(gw.report(callSid).outcome).toBeNull();
});
