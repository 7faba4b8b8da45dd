import { parseTwiml } from '../../src/twiml/parse';
import { startGateway, type Gateway } from '../support/gateway';

/**
 * An operator may paste the Voice URL and status callback URL into the Twilio console with a
 * trailing slash: Twilio then calls (and signs) `/voice/incoming/`. The caller must still be served.
 */
let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});

const SID = `CA${'5'.repeat(32)}`;

test('a signed call to /voice/incoming/ is answered with the disclosure, and /voice/status/ is acknowledged', async () => {
  const res = await gw.emulator.signedPost('/voice/incoming/', {
    CallSid: SID,
    From: '+4915100000991',
    To: '+4930123456',
    CallStatus: 'ringing',
    Direction: 'inbound',
  });
  expect(res.status).toBe(200);
  const twiml = parseTwiml(res.body);
  expect(twiml.children.map((v) => v.name)).toContain('Redirect');
  expect(twiml.children.map((v) => v.name)).toContain('Say');
  expect(gw.report(SID).events.map((e) => e.type)).toContain('call_started');
  const status = await gw.emulator.signedPost('/voice/status/', { CallSid: SID, CallStatus: 'completed' });
  expect(status.status).toBe(204);
  expect(gw.report(SID).outcome).toBe('abandoned');
});

test('a wrong signature on /voice/incoming/ is still refused with 403', async () => {
  const res = await gw.emulator.signedPost(
    '/voice/incoming/',
    { CallSid: `CA${'6'.repeat(32)}`, From: '+4915100000992', To: '+4930' },
    { badSignature: true },
  );
  expect(res.status).toBe(403);
});
