import { eventData, startGateway, type Gateway } from '../support/gateway';

/**
 * Twilio sends SMS to phone numbers only. A caller on a SIP domain or a Twilio Client
 * (`From: sip:…`, `client:…`), or a line reached by SIP (`To: sip:…`), has no number for a receipt
 * or the privacy link: the ledger must say so at once, the caller must not be promised one, and
 * no job may retry a message Twilio refuses.
 */
let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({ RECEIPT_SMS: 'true' });
});
afterAll(async () => {
  await gw.close();
});

const SIP_CALLER = 'sip:bob@example.sip.twilio.com';
const jobsLeft = (kind: string): number =>
  gw.runtime.ledger.db
    .prepare("SELECT COUNT(*) FROM jobs WHERE kind = ? AND status IN ('pending', 'running')")
    .pluck()
    .get(kind) as number;
const said = (heard: Array<{ verb: string; text?: string }>): string =>
  heard.flatMap((h) => (h.verb === 'Say' && h.text ? [h.text] : [])).join(' | ');

async function consent(from: string, to: string): Promise<string> {
  const call = gw.emulator.placeCall({ from, to, fromCountry: 'DE' });
  await call.start();
  for (const k of ['1', '1', '1']) await call.press(k);
  await call.hangup();
  await gw.emulator.settle();
  await gw.runJobs();
  await gw.runJobs();
  expect(gw.report(call.callSid).outcome).toBe('granted');
  return call.callSid;
}

test.each([
  ['a SIP caller', SIP_CALLER, '+4930123456', 'caller_not_a_phone_number'],
  ['a Twilio Client caller', 'client:alice', '+4930123456', 'caller_not_a_phone_number'],
  [
    'a caller of a line reached by SIP',
    '+4915100000901',
    'sip:line@example.sip.twilio.com',
    'no_sender_number',
  ],
])(
  '%s who consents gets no receipt: the ledger says why and nothing retries',
  async (_who, from, to, reason) => {
    const before = gw.emulator.messages.length;
    const callSid = await consent(from, to);
    expect(eventData(gw, callSid, 'receipt_not_sent')).toEqual([{ reason }]);
    expect(eventData(gw, callSid, 'receipt_sent')).toEqual([]);
    expect(gw.emulator.messages.length).toBe(before);
    expect(jobsLeft('send_receipt')).toBe(0);
  },
);

test('a SIP caller asking for the privacy page by SMS is told it cannot be sent, never that it is on its way', async () => {
  const call = gw.emulator.placeCall({ from: SIP_CALLER, to: '+4930123456', fromCountry: 'DE' });
  await call.start();
  await call.press('9');
  await call.press('3');
  await gw.runJobs();
  expect(said(call.heard)).toContain('Eine SMS können wir Ihnen jetzt leider nicht schicken');
  expect(said(call.heard)).not.toContain('die SMS mit dem Link ist unterwegs');
  expect(eventData(gw, call.callSid, 'sms_not_sent')).toEqual([
    { kind: 'privacy_link', reason: 'caller_not_a_phone_number' },
  ]);
  expect(jobsLeft('send_sms')).toBe(0);
});
