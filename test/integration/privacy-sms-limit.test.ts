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

describe('privacy SMS pumping', () => {
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
