import { startGateway, type Gateway } from '../support/gateway';

/**
 * PUBLIC_BASE_URL may carry a path (`https://example.com/ivr`): Twilio then calls every URL under
 * it, and the proxy in front may pass that path on. Calls must work as without the path.
 */
let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({}, { basePath: '/ivr' });
});
afterAll(async () => {
  await gw.close();
});

describe('when PUBLIC_BASE_URL ends in a path that reaches the server unstripped', () => {
  test('a caller who presses 1 three times consents and reaches the assistant, never an application error', async () => {
    const call = gw.emulator.placeCall({ from: '+4915112340001', to: '+4930123456', fromCountry: 'DE' });
    await call.start();
    await call.press('1');
    await call.press('1');
    await call.press('1');
    await call.hangup();
    await gw.emulator.settle();
    expect(call.heard.some((h) => h.text === 'APPLICATION ERROR')).toBe(false);
    // Every request to the gateway (the assistant is elsewhere) went under the path.
    const ours = gw.emulator.webhooks.map((w) => w.url).filter((u) => u.startsWith(gw.url));
    expect(ours.length).toBeGreaterThan(3);
    expect(ours.filter((u) => !u.startsWith(`${gw.url}/ivr/voice/`))).toEqual([]);
    expect(gw.emulator.webhooks.map((w) => w.status).filter((s) => s >= 400)).toEqual([]);
    expect(gw.report(call.callSid)).toMatchObject({ outcome: 'granted', routedTo: 'assistant' });
  });

  test('a webhook under the path with a wrong signature is refused with 403 and writes nothing', async () => {
    const before = gw.runtime.ledger.db.prepare('SELECT COUNT(*) FROM calls').pluck().get();
    const res = await gw.emulator.signedPost(
      '/voice/incoming',
      { CallSid: `CA${'7'.repeat(32)}`, From: '+4915112340002', To: '+4930', CallStatus: 'ringing' },
      { badSignature: true },
    );
    expect(res.status).toBe(403);
    expect(gw.runtime.ledger.db.prepare('SELECT COUNT(*) FROM calls').pluck().get()).toBe(before);
  });
});
