import { startGateway, type Gateway } from '../support/gateway';

/**
 * A key pressed as the caller hangs up: its <Gather> request is overtaken by the status callback,
 * which records the call as ended. The key is still the caller's decision and is recorded as one
 * (`answer` marked `afterCallEnded`, `declined` or `granted`), but a call that is over is handed
 * to nobody: no `handover` event, no consent token, no routing.
 */
let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});

async function lateKey(from: string, before: string[], key: string) {
  const call = gw.emulator.placeCall({
    from,
    to: '+4930123456',
    fromCountry: 'DE',
    recordingSeconds: 20,
    callbackOrder: 'status-first',
  });
  await call.start();
  for (const k of before) await call.press(k);
  const late = await call.pressWhileHangingUp(key);
  await gw.emulator.settle();
  expect(gw.report(call.callSid).events.map((e) => e.type)).toContain('call_ended');
  expect((await late.deliver()).status).toBe(200);
  await gw.runJobs();
  await gw.runJobs();
  return gw.report(call.callSid);
}

const afterEnd = (types: string[]): string[] => types.slice(types.indexOf('call_ended') + 1);

test('key 2 at the main question after the call ended: declined is recorded, no handover to a human', async () => {
  const report = await lateKey('+4915112389001', [], '2');
  const types = report.events.map((e) => e.type);
  expect(report).toMatchObject({ outcome: 'declined', purposes: { call: false }, routedTo: 'none' });
  expect(afterEnd(types)).toContain('declined');
  expect(types).not.toContain('handover');
  const answer = gw.runtime.ledger
    .sql("SELECT data FROM events WHERE call_sid = ? AND type = 'answer' ORDER BY seq DESC")
    .pluck()
    .get(report.callSid) as string;
  expect(JSON.parse(answer)).toMatchObject({ afterCallEnded: true });
});

test('key 1 at the last question after the call ended: every purpose is granted, no handover to the assistant', async () => {
  const report = await lateKey('+4915112389002', ['1', '1'], '1');
  const types = report.events.map((e) => e.type);
  expect(report).toMatchObject({
    outcome: 'granted',
    purposes: { call: true, ai_training: true, personalization: true },
    routedTo: 'none',
  });
  expect(afterEnd(types)).toContain('granted');
  expect(types).not.toContain('handover');
});

test('the same keys in a call still going on hand over as before', async () => {
  const call = gw.emulator.placeCall({ from: '+4915112389003', to: '+4930123456', fromCountry: 'DE' });
  await call.start();
  await call.press('2');
  await call.hangup();
  await gw.emulator.settle();
  const report = gw.report(call.callSid);
  expect(report.events.map((e) => e.type)).toContain('handover');
  expect(report.routedTo).toBe('human');
});
