import { jobsCommand } from '../../src/cli/jobs';
import { startGateway, type Gateway } from '../support/gateway';

/** Deletions retry without limit; one that is stuck must be visible, not hidden behind "ok". */
let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});

test('when Twilio keeps refusing a recording deletion, /healthz and consent jobs report it as stuck while calls are still taken', async () => {
  const healthy = await (await fetch(`${gw.url}/healthz`)).json();
  expect(healthy).toMatchObject({ status: 'ok', jobs: { status: 'ok', deletions: { queued: 0 } } });

  gw.emulator.faults.deleteRecording = '500';
  const call = gw.emulator.placeCall({ from: '+4915100000401', to: '+4930', fromCountry: 'DE' });
  await call.start();
  await call.press('2');
  await gw.emulator.settle();
  await gw.runJobs();
  // The deletion was queued an hour ago and keeps failing: it stays queued, it is overdue.
  const ledger = gw.runtime.ledger;
  ledger.db
    .prepare("UPDATE jobs SET created_at = ?, attempts = 5 WHERE kind = 'delete_recording'")
    .run(new Date(Date.now() - 3600_000).toISOString());

  const res = await fetch(`${gw.url}/healthz`);
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({
    status: 'degraded',
    jobs: { status: 'stuck', deletions: { queued: 1, failing: 1, overdue: 1 } },
  });
  const out: string[] = [];
  jobsCommand(gw.runtime, { out: (s) => out.push(s) }, {});
  expect(out[0]).toMatch(/^deletions STUCK: 1 queued, 1 failing, 1 overdue/);
  expect(out.join('')).toMatch(
    /delete_recording pending attempts=5 .* last error: delete recording: HTTP 500/,
  );

  // Once Twilio takes the deletion, it is done and health is ok again.
  gw.emulator.faults.deleteRecording = undefined;
  ledger.db.prepare("UPDATE jobs SET run_at = 0 WHERE kind = 'delete_recording'").run();
  await gw.runJobs();
  expect(await (await fetch(`${gw.url}/healthz`)).json()).toMatchObject({ status: 'ok' });
});
