import { startGateway, type Gateway } from '../support/gateway';

/**
 * Twilio may send a recording status callback more than once, also long after the first: a repeat
 * changes nothing, not even the event log (CONTRACT: no second event, no second clip).
 */
let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});

const count = (callSid: string, type: string) =>
  gw.report(callSid).events.filter((e) => e.type === type).length;

test('recording callbacks sent twice, and all again (in-progress first) after the clip is stored, leave one event, one clip, one deletion', async () => {
  gw.emulator.faults.recordingCallback = 'duplicate';
  const call = gw.emulator.placeCall({
    from: '+4915100000601',
    to: '+4930123456',
    fromCountry: 'DE',
    recordingSeconds: 6,
  });
  await call.start();
  for (const k of ['1', '1', '1']) await call.press(k);
  await call.hangup();
  await gw.emulator.settle();
  delete gw.emulator.faults.recordingCallback;
  await gw.runJobs();
  await gw.runJobs();
  const completed = gw.emulator.webhooks.filter(
    (w) => w.callSid === call.callSid && w.kind === 'recording' && w.params.RecordingStatus === 'completed',
  );
  expect(completed).toHaveLength(2);
  expect(gw.report(call.callSid).clip.status).toBe('stored');

  // Late: every recording callback once more, 'in-progress' first, after everything was done.
  const all = gw.emulator.webhooks.filter((w) => w.callSid === call.callSid && w.kind === 'recording');
  expect(all[0]!.params.RecordingStatus).toBe('in-progress');
  for (const w of all) expect((await gw.emulator.signedPost(w.url, w.params)).status).toBeLessThan(300);
  await gw.runJobs();

  expect(count(call.callSid, 'recording_completed')).toBe(1);
  expect(count(call.callSid, 'clip_stored')).toBe(1);
  const sid = completed[0]!.params.RecordingSid!;
  expect(gw.emulator.requests.filter((r) => r.method === 'DELETE' && r.path.includes(sid))).toHaveLength(1);
  const clips = gw.runtime.ledger.db
    .prepare('SELECT COUNT(*) FROM clips WHERE consent_id = ?')
    .pluck()
    .get(gw.report(call.callSid).consentId);
  expect(clips).toBe(1);
});
