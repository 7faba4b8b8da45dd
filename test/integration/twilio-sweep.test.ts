import { JobRunner } from '../../src/jobs/queue';
import { createSweepJob, SWEEP_JOB } from '../../src/jobs/twilio-sweep';
import { createLogger } from '../../src/logger';
import { newSid, type EmulatedRecording } from '../support/twilio-emulator';
import { startGateway, type Gateway } from '../support/gateway';

/**
 * Twilio does not retry recording or status callbacks: when one is lost, the sweep finds out from
 * Twilio's REST API (Recordings list, Calls resource) and the ledger ends up as if it had arrived.
 */
let gw: Gateway;
beforeEach(async () => {
  gw = await startGateway();
});
afterEach(async () => {
  await gw.close();
});

const log = createLogger('silent');
const deletesOf = (sid: string): number =>
  gw.emulator.requests.filter((r) => r.method === 'DELETE' && r.path.includes(`/Recordings/${sid}.json`))
    .length;
const recordingsOf = (callSid: string) =>
  [...gw.emulator.recordings.values()].filter((r) => r.callSid === callSid);

/** One sweep with no grace period (every recording counts as old), then the work it queued. */
async function sweep(): Promise<void> {
  const ledger = gw.runtime.ledger;
  ledger.enqueue(SWEEP_JOB, { trigger: 'test' }, { dedupeKey: `sweep:${Date.now()}:${Math.random()}` });
  const runner = new JobRunner(
    ledger,
    { [SWEEP_JOB]: createSweepJob({ ledger, twilio: gw.runtime.twilio, log, graceMs: 0 }) },
    log,
  );
  await runner.runDue({ kinds: [SWEEP_JOB] });
  await runner.stop();
  await gw.runJobs();
  await gw.runJobs();
}

test('when a consenting call’s recording callback is lost, the sweep stores its clip and deletes Twilio’s copy once', async () => {
  gw.emulator.faults.recordingCallback = 'drop';
  const call = gw.emulator.placeCall({
    from: '+4915100000301',
    to: '+4930',
    fromCountry: 'DE',
    recordingSeconds: 20,
  });
  await call.start();
  await call.press('1');
  await call.press('1');
  await call.press('1');
  await gw.emulator.settle();
  await gw.runJobs();
  expect(gw.report(call.callSid).clip.status).toBe('pending');
  const [rec] = recordingsOf(call.callSid);
  expect(rec?.status).toBe('completed');

  await sweep();
  const report = gw.report(call.callSid);
  expect(report.clip.status).toBe('stored');
  expect(report.events.map((e) => e.type)).toEqual(
    expect.arrayContaining(['recording_swept', 'clip_stored']),
  );
  expect(rec?.status).toBe('deleted');
  expect(deletesOf(rec!.sid)).toBe(1);

  // A second sweep finds nothing left to do.
  await sweep();
  expect(deletesOf(rec!.sid)).toBe(1);
});

test('when a call’s status callback is lost, the sweep closes it from Twilio’s Calls resource', async () => {
  gw.emulator.faults.statusCallback = 'drop';
  const call = gw.emulator.placeCall({ from: '+4915100000302', to: '+4930', fromCountry: 'DE' });
  await call.start();
  await call.hangup();
  await gw.emulator.settle();
  expect(gw.runtime.ledger.getCall(call.callSid)?.state).toBe('active');

  await sweep();
  const report = gw.report(call.callSid);
  expect(gw.runtime.ledger.getCall(call.callSid)?.state).toBe('ended');
  expect(report.outcome).toBe('abandoned');
  expect(report.events.map((e) => e.type)).toEqual(expect.arrayContaining(['abandoned', 'call_ended']));
  // Its recording (the callback did arrive) was dropped as not kept, once.
  for (const rec of recordingsOf(call.callSid)) expect(deletesOf(rec.sid)).toBe(1);
});

test('recordings of calls the ledger never saw are deleted, over every page of the list, and a call still going on stays open', async () => {
  const now = Date.now();
  const strangers = Array.from({ length: 130 }, (_, i) => {
    const rec: EmulatedRecording = {
      sid: newSid('RE'),
      callSid: newSid('CA'),
      status: 'completed',
      startedAt: now - 3600_000 + i,
      stoppedAt: now - 3500_000,
      duration: 5,
      statusCallbackMethod: 'POST',
      statusCallbackEvents: ['completed'],
      source: 'StartCallRecording',
      track: 'both',
      channels: 1,
    };
    gw.emulator.recordings.set(rec.sid, rec);
    return rec;
  });
  const live = gw.emulator.placeCall({ from: '+4915100000303', to: '+4930', fromCountry: 'DE' });
  await live.start();

  await sweep();
  expect(strangers.filter((r) => r.status !== 'deleted' || deletesOf(r.sid) !== 1)).toEqual([]);
  expect(
    gw.emulator.requests.filter((r) => r.path.includes('/Recordings.json')).length,
  ).toBeGreaterThanOrEqual(2);
  expect(gw.runtime.ledger.getCall(live.callSid)?.state).toBe('active');
  // Its recording is still running at Twilio: untouched.
  for (const rec of recordingsOf(live.callSid)) expect(deletesOf(rec.sid)).toBe(0);
  await live.hangup();
});

test('a recording whose clip is still waiting to be made is left to the clip job', async () => {
  const call = gw.emulator.placeCall({
    from: '+4915100000304',
    to: '+4930',
    fromCountry: 'DE',
    recordingSeconds: 20,
  });
  await call.start();
  await call.press('1');
  await call.press('1');
  await call.press('1');
  await gw.emulator.settle();
  const [rec] = recordingsOf(call.callSid);
  // The callback arrived, the clip job has not run yet: the sweep must not delete the recording.
  const ledger = gw.runtime.ledger;
  ledger.enqueue(SWEEP_JOB, { trigger: 'test' }, { dedupeKey: 'sweep:pending-clip' });
  const runner = new JobRunner(
    ledger,
    { [SWEEP_JOB]: createSweepJob({ ledger, twilio: gw.runtime.twilio, log, graceMs: 0 }) },
    log,
  );
  await runner.runDue({ kinds: [SWEEP_JOB] });
  await runner.stop();
  expect(deletesOf(rec!.sid)).toBe(0);
  await gw.runJobs();
  expect(gw.report(call.callSid).clip.status).toBe('stored');
  expect(deletesOf(rec!.sid)).toBe(1);
});
