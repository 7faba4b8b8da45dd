import { PRIVACY_SMS_PER_NUMBER_PER_DAY } from '../../src/calls/privacy-sms';
import { startGateway, type Gateway } from '../support/gateway';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});

const smsTo = (n: string) => gw.emulator.messages.filter((m) => m.to === n).length;
const notSent = (callSid: string): string[] =>
  (
    gw.runtime.ledger.db
      .prepare("SELECT data FROM events WHERE call_sid = ? AND type = 'sms_not_sent' ORDER BY seq")
      .pluck()
      .all(callSid) as string[]
  ).map((d) => (JSON.parse(d) as { reason: string }).reason);

/** Information (9), then the SMS offer's own key (3): one request for the privacy page by SMS. */
async function askForSms(call: ReturnType<Gateway['emulator']['placeCall']>): Promise<void> {
  await call.press('9');
  await call.press('3');
}

const said = (call: ReturnType<Gateway['emulator']['placeCall']>): string[] =>
  call.heard.flatMap((h) => (h.verb === 'Say' && h.text ? [h.text] : []));
const PROMISED = 'die SMS mit dem Link ist unterwegs';
const REFUSED = 'Eine SMS können wir Ihnen jetzt leider nicht schicken';

describe('privacy SMS pumping', () => {
  test('a caller whose SMS the limits refuse is told so, never that it is on its way', async () => {
    const from = '+4915100000304';
    const call = gw.emulator.placeCall({ from, to: '+4930123456', fromCountry: 'DE' });
    await call.start();
    await askForSms(call);
    expect(said(call).filter((t) => t.includes(PROMISED))).toHaveLength(1);
    await askForSms(call);
    expect(said(call).filter((t) => t.includes(PROMISED))).toHaveLength(1);
    expect(said(call).filter((t) => t.includes(REFUSED))).toHaveLength(1);
  });

  test('a caller with a withheld number is not promised an SMS', async () => {
    const call = gw.emulator.placeCall({ from: 'anonymous', to: '+4930123456', fromCountry: 'DE' });
    await call.start();
    await askForSms(call);
    await gw.runJobs();
    expect(said(call).some((t) => t.includes(PROMISED))).toBe(false);
    expect(said(call).some((t) => t.includes(REFUSED))).toBe(true);
    expect(notSent(call.callSid)).toEqual(['withheld_number']);
  });

  test('a caller asking again and again within one call gets one SMS', async () => {
    const from = '+4915100000301';
    const call = gw.emulator.placeCall({ from, to: '+4930123456', fromCountry: 'DE' });
    await call.start();
    for (let i = 0; i < 4; i += 1) await askForSms(call);
    await gw.runJobs();
    expect(smsTo(from)).toBe(1);
    expect(notSent(call.callSid)).toEqual(['one_per_call', 'one_per_call', 'one_per_call']);
  });

  test('one number gets at most a few a day, however many calls ask', async () => {
    const from = '+4915100000302';
    const calls = [];
    for (let i = 0; i < PRIVACY_SMS_PER_NUMBER_PER_DAY + 2; i += 1) {
      const call = gw.emulator.placeCall({ from, to: '+4930123456', fromCountry: 'DE' });
      await call.start();
      await askForSms(call);
      calls.push(call);
    }
    await gw.runJobs();
    expect(smsTo(from)).toBe(PRIVACY_SMS_PER_NUMBER_PER_DAY);
    expect(notSent(calls.at(-1)!.callSid)).toEqual(['daily_limit']);
    // Another number is not affected.
    const other = gw.emulator.placeCall({ from: '+4915100000303', to: '+4930123456', fromCountry: 'DE' });
    await other.start();
    await askForSms(other);
    await gw.runJobs();
    expect(smsTo('+4915100000303')).toBe(1);
  });
});
