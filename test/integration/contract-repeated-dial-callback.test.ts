import { startGateway, type Gateway } from '../support/gateway';

/**
 * Twilio may send the action callback of a <Dial> to a human more than once: a repeat changes
 * nothing (CONTRACT: no second event), and the caller still gets valid TwiML.
 */
let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});

test.each([
  ['refuses with 2', ['2']],
  ['withdraws with 0', ['0']],
])(
  'when a caller who %s reaches a human, a repeated dial callback notes the handover once',
  async (_how, keys) => {
    const call = gw.emulator.placeCall({ from: '+4915100000701', to: '+4930123456', fromCountry: 'DE' });
    await call.start();
    for (const k of keys) await call.press(k);
    await call.hangup();
    await gw.emulator.settle();
    const dial = gw.emulator.webhooks.filter(
      (w) => w.callSid === call.callSid && w.url.includes('/voice/dial'),
    );
    expect(dial).toHaveLength(1);
    const again = await gw.emulator.signedPost(dial[0]!.url, dial[0]!.params);
    expect(again.status).toBe(200);
    expect(again.contentType).toMatch(/xml/);
    const types = gw.report(call.callSid).events.map((e) => e.type);
    expect(types.filter((t) => t === 'handover_completed')).toHaveLength(1);
  },
);

test('a second, different dialled leg of the same call is still noted', async () => {
  const call = gw.emulator.placeCall({ from: '+4915100000702', to: '+4930123456', fromCountry: 'DE' });
  await call.start();
  await call.press('2');
  await call.hangup();
  await gw.emulator.settle();
  const dial = gw.emulator.webhooks.find((w) => w.callSid === call.callSid && w.url.includes('/voice/dial'))!;
  const other = { ...dial.params, DialCallSid: `CA${'b'.repeat(32)}`, DialCallStatus: 'busy' };
  expect((await gw.emulator.signedPost(dial.url, other)).status).toBe(200);
  const types = gw.report(call.callSid).events.map((e) => e.type);
  expect(types.filter((t) => t === 'handover_completed' || t === 'handover_failed')).toHaveLength(2);
});
