import { startGateway, type Gateway } from '../support/gateway';

/**
 * A caller who consents to the basic level (key 1) and hangs up at the next purpose's question
 * gave a consent that holds: `consent call --json` says `granted` with that consent, as for a
 * caller who asks for a person or stays silent there. `abandoned` is only a hang-up before any
 * decision.
 */
let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});

test.each(['recording-first', 'status-first'] as const)(
  'a caller who consents and hangs up at the next question has the outcome granted (callbacks %s)',
  async (callbackOrder) => {
    const from = `+4915112${callbackOrder === 'status-first' ? '388001' : '388002'}`;
    const call = gw.emulator.placeCall({
      from,
      to: '+4930123456',
      fromCountry: 'DE',
      recordingSeconds: 20,
      callbackOrder,
    });
    await call.start();
    await call.press('1');
    await call.hangup();
    await gw.emulator.settle();
    await gw.runJobs();
    await gw.runJobs();
    const report = gw.report(call.callSid);
    expect(report).toMatchObject({ outcome: 'granted', purposes: { call: true } });
    expect(report.consentId).toMatch(/^CNS-/);
    expect(report.clip.status).toBe('stored');
  },
);

test('a caller who hangs up before answering anything is abandoned, with no consent', async () => {
  const call = gw.emulator.placeCall({ from: '+4915112388003', to: '+4930123456', fromCountry: 'DE' });
  await call.start();
  await call.hangup();
  await gw.emulator.settle();
  await gw.runJobs();
  expect(gw.report(call.callSid)).toMatchObject({ outcome: 'abandoned', consentId: null, purposes: {} });
});

test('a key 1 whose request arrives after the hang-up ended the call still consents, and the call is granted', async () => {
  const call = gw.emulator.placeCall({ from: '+4915112388004', to: '+4930123456', fromCountry: 'DE' });
  await call.start();
  const action = call.lastGather?.action ?? '';
  // Twilio sent the key's request first; the status callback overtook it on the way in.
  const ended = await gw.emulator.signedPost('/voice/status', {
    ...call.params,
    CallStatus: 'completed',
    CallDuration: '9',
  });
  expect(ended.status).toBeLessThan(300);
  const answered = await gw.emulator.signedPost(action.slice(gw.url.length), {
    ...call.params,
    CallStatus: 'completed',
    Digits: '1',
  });
  expect(answered.status).toBe(200);
  const report = gw.report(call.callSid);
  expect(report).toMatchObject({ outcome: 'granted', purposes: { call: true } });
  expect(report.consentId).toMatch(/^CNS-/);
});
