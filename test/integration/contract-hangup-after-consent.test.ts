import { certificateSigningKey, deletionCertificate } from '../../src/lifecycle/certificate';
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

/**
 * Key 1 pressed as the caller hangs up, its request overtaken by the status and recording
 * callbacks. If it arrives before the recording is dealt with, the clip is cut as usual; if the
 * recording was already given up as an abandoned call's (and Twilio's copy deleted), the consent
 * holds but says it has no clip and why: never `pending` for a clip that will not come, and its
 * deletion certificate names no clip object.
 */
describe('a key 1 whose request arrives after the hang-up and its callbacks', () => {
  const lateKey = async (from: string, jobsBeforeKey: boolean) => {
    const call = gw.emulator.placeCall({
      from,
      to: '+4930123456',
      fromCountry: 'DE',
      recordingSeconds: 20,
      callbackOrder: 'status-first',
    });
    await call.start();
    const key = await call.pressWhileHangingUp('1');
    await gw.emulator.settle();
    if (jobsBeforeKey) {
      await gw.runJobs();
      await gw.runJobs();
    }
    expect((await key.deliver()).status).toBe(200);
    await gw.runJobs();
    await gw.runJobs();
    const recording = [...gw.emulator.recordings.values()].find((r) => r.callSid === call.callSid);
    return { call, report: gw.report(call.callSid), recording };
  };

  test('before the recording was dealt with: the consent gets its clip', async () => {
    const { report, recording } = await lateKey('+4915112388005', false);
    expect(report).toMatchObject({ outcome: 'granted', purposes: { call: true } });
    expect(report.clip.status).toBe('stored');
    expect(recording?.status).toBe('deleted');
  });

  test('after the recording was deleted: the consent holds, its clip is none with the reason, and a withdrawal certifies no clip object', async () => {
    const { call, report, recording } = await lateKey('+4915112388006', true);
    expect(recording?.status).toBe('deleted');
    expect(report).toMatchObject({ outcome: 'granted', purposes: { call: true }, consentStatus: 'active' });
    expect(report.clip).toEqual({
      status: 'none',
      reason: expect.stringMatching(/after the call had ended/),
    });
    expect(report.events.filter((e) => e.type === 'clip_not_kept')).toHaveLength(2);

    // The caller withdraws by key 0 in a new call: the certificate lists Twilio's recording
    // (checked gone) and no S3 object, and it completes.
    const again = gw.emulator.placeCall({
      from: call.params.From ?? '',
      to: '+4930123456',
      fromCountry: 'DE',
    });
    await again.start();
    await again.press('0');
    await gw.emulator.settle();
    for (let i = 0; i < 3; i++) {
      gw.runtime.ledger.db.prepare("UPDATE jobs SET run_at = 0 WHERE status = 'pending'").run();
      await gw.runJobs();
    }
    const cert = deletionCertificate(
      gw.runtime.ledger,
      report.consentId ?? '',
      certificateSigningKey(gw.runtime.ledger),
    );
    expect(cert?.status).toBe('complete');
    const systems = cert?.items.map((i) => i.system) ?? [];
    expect(systems).not.toContain('s3');
    expect(cert?.items).toContainEqual(
      expect.objectContaining({
        system: 'twilio',
        object: recording?.sid,
        result: 'deleted; GET answers 404',
      }),
    );
  });
});
