import twilio from 'twilio';
import { parseTwiml, type TwimlNode } from '../../src/twiml/parse';
import { AUTH_TOKEN, startGateway, type Gateway } from '../support/gateway';

/**
 * URL schemes and hosts are case-insensitive: an operator who writes
 * `PUBLIC_BASE_URL=HTTPS://Example.COM` means `https://example.com`. The service starts, puts the
 * lower-case form into its TwiML, and accepts what Twilio signs: the URLs its TwiML named, and the
 * Voice URL as the operator may have pasted it into Twilio's console.
 */
const AS_WRITTEN = 'HTTPS://Example.COM';
const PUBLIC = 'https://example.com';
let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({ PUBLIC_BASE_URL: `${AS_WRITTEN}/` });
});
afterAll(async () => {
  await gw.close();
});

/** A request as Twilio makes it to `publicUrl`, delivered to the gateway's loopback address. */
async function twilioPost(
  publicUrl: string,
  params: Record<string, string>,
  token = AUTH_TOKEN,
): Promise<{ status: number; body: string }> {
  const signature = twilio.getExpectedTwilioSignature(token, publicUrl, params);
  // What the service checks the signature against is what Twilio's own validator accepts.
  expect(twilio.validateRequest(AUTH_TOKEN, signature, publicUrl, params)).toBe(token === AUTH_TOKEN);
  const u = new URL(publicUrl);
  const res = await fetch(`${gw.url}${u.pathname}${u.search}`, {
    method: 'POST',
    headers: { 'X-Twilio-Signature': signature, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, body: await res.text() };
}

const urlsIn = (node: TwimlNode): string[] => [
  ...Object.entries(node.attrs)
    .filter(([k]) => ['action', 'url', 'statusCallback', 'recordingStatusCallback'].includes(k))
    .map(([, v]) => v),
  ...(node.name === 'Redirect' ? [node.text] : []),
  ...node.children.flatMap(urlsIn),
];

test('it starts, and every URL it puts into TwiML is absolute under the lower-case public URL', () => {
  expect(gw.config.publicBaseUrl).toBe(PUBLIC);
});

test('a call signed for the lower-case URLs is served through the disclosure and the first question', async () => {
  const call = {
    CallSid: `CA${'c'.repeat(32)}`,
    From: '+4915100000771',
    To: '+4930123456',
    Direction: 'inbound',
  };
  const incoming = await twilioPost(`${PUBLIC}/voice/incoming`, { ...call, CallStatus: 'ringing' });
  expect(incoming.status).toBe(200);
  const first = urlsIn(parseTwiml(incoming.body));
  expect(first.length).toBeGreaterThan(0);
  expect(first.filter((u) => !u.startsWith(`${PUBLIC}/`))).toEqual([]);
  const next = first.find((u) => u.startsWith(`${PUBLIC}/voice/`)) ?? '';
  const consent = await twilioPost(next, { ...call, CallStatus: 'in-progress' });
  expect(consent.status).toBe(200);
  expect(consent.body).not.toMatch(/technisches Problem/);
  expect(urlsIn(parseTwiml(consent.body)).filter((u) => !u.startsWith(`${PUBLIC}/`))).toEqual([]);
  expect(gw.report(call.CallSid).events.map((e) => e.type)).toContain('call_started');
});

test('the Voice URL signed as the operator wrote it is accepted too; a wrong signature is still 403', async () => {
  const call = {
    CallSid: `CA${'d'.repeat(32)}`,
    From: '+4915100000772',
    To: '+4930123456',
    CallStatus: 'ringing',
  };
  expect((await twilioPost(`${AS_WRITTEN}/voice/incoming`, call)).status).toBe(200);
  const forged = { ...call, CallSid: `CA${'e'.repeat(32)}` };
  expect((await twilioPost(`${PUBLIC}/voice/incoming`, forged, `${AUTH_TOKEN}x`)).status).toBe(403);
  expect(gw.runtime.ledger.db.prepare('SELECT COUNT(*) FROM calls').pluck().get()).toBe(2);
});
