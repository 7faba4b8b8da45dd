import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  certificateSigningKey,
  deletionCertificate,
  verifyCertificate,
} from '../../src/lifecycle/certificate';
import { KEYS, startGateway, type Gateway } from '../support/gateway';
import { WebhookReceiver } from '../support/webhook-receiver';
import { testDatabaseEnv } from '../support/test-database';

const ROOT = path.join(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/consent.js');
const SECRET = `whsec_${crypto.randomBytes(24).toString('base64')}`;

let dir: string;
let gw: Gateway;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await WebhookReceiver.start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cert-'));
  gw = await startGateway({ CRM_WEBHOOK_URL: receiver.url, CRM_WEBHOOK_SECRET: SECRET }, { dir });
});
afterAll(async () => {
  await gw.close();
  await receiver.down();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Asynchronous, so the gateway in this process keeps serving while the command runs. */
function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const number = () => `+49151${crypto.randomInt(1e6, 1e7)}`;
const timePasses = () =>
  gw.runtime.ledger.db.prepare("UPDATE jobs SET run_at = 0 WHERE status = 'pending'").run();
const certificate = (id: string) =>
  deletionCertificate(gw.runtime.ledger, id, certificateSigningKey(gw.runtime.ledger));

async function consentWithStoredClip(from: string): Promise<{ consentId: string; recordingSid: string }> {
  const call = gw.emulator.placeCall({ from, to: '+4930123456', fromCountry: 'DE', recordingSeconds: 20 });
  await call.start();
  for (const k of ['1', '1', '1']) {
    try {
      await call.press(k);
    } catch (e) {
      console.log(
        JSON.stringify(call.heard.map((h) => h.text ?? h.verb)),
        gw.emulator.webhooks
          .filter((w) => w.callSid === call.callSid)
          .map((w) => w.status + ' ' + w.url.slice(20, 90) + ' ' + w.body.slice(0, 400)),
      );
      throw e;
    }
  }
  await gw.emulator.settle();
  await gw.runJobs();
  await gw.runJobs();
  const report = gw.report(call.callSid);
  expect(report.clip.status).toBe('stored');
  const recordingSid = [...gw.emulator.recordings.values()].find((r) => r.callSid === call.callSid)!.sid;
  return { consentId: report.consentId!, recordingSid };
}

async function withdrawByKeyZero(from: string): Promise<void> {
  const call = gw.emulator.placeCall({ from, to: '+4930123456', fromCountry: 'DE' });
  await call.start();
  try {
    await call.press('0');
  } catch (error) {
    // Say what the caller heard and what the service answered: a bare "no <Gather>" explains nothing.
    const answers = gw.emulator.webhooks
      .filter((w) => w.callSid === call.callSid)
      .map((w) => `${w.status} ${w.body}`);
    throw new Error(
      `${(error as Error).message}; heard ${JSON.stringify(call.heard)}; answers ${answers.join(' | ')}`,
      { cause: error },
    );
  }
  await gw.emulator.settle();
}

test('a withdrawal by key 0 gets a signed certificate: pending until the CRM acknowledges, then complete with every system checked', async () => {
  const from = number();
  const { consentId, recordingSid } = await consentWithStoredClip(from);
  const objectKey = gw.runtime.ledger.getClip(consentId)!.object_key!;
  await receiver.down();
  await withdrawByKeyZero(from);
  await gw.runJobs();
  timePasses();
  await gw.runJobs();

  const pending = certificate(consentId)!;
  expect(pending).toMatchObject({ consentId, reason: 'withdrawn', status: 'pending', completedAt: null });
  const bySystem = Object.fromEntries(pending.items.map((i) => [i.system + ':' + i.action, i]));
  expect(bySystem['crm:notify']).toMatchObject({ result: 'pending', at: null });
  expect(bySystem['s3:delete object']).toMatchObject({
    object: objectKey,
    result: 'deleted; HEAD answers 404',
  });
  expect(bySystem['keyring:destroy']!.result).toBe('destroyed');
  expect(bySystem['twilio:delete recording']).toMatchObject({
    object: recordingSid,
    result: 'deleted; GET answers 404',
  });
  // Twilio was asked, not assumed: the certificate's check is a GET of the recording.
  expect(
    gw.emulator.requests.some((r) => r.method === 'GET' && r.path.endsWith(`${recordingSid}.json`)),
  ).toBe(true);
  expect(await gw.runtime.store.head(objectKey)).toBeNull();
  expect(gw.runtime.ledger.getClip(consentId)!.wrapped_key).toBeNull();

  await receiver.up();
  timePasses();
  await gw.runJobs();
  timePasses();
  await gw.runJobs();
  const done = certificate(consentId)!;
  expect(done.status).toBe('complete');
  expect(Date.parse(done.completedAt!)).toBeGreaterThanOrEqual(Date.parse(done.requestedAt));
  const crm = done.items.find((i) => i.system === 'crm')!;
  expect(crm.result).toBe('acknowledged (HTTP 204)');
  expect(crm.object).toBe(
    receiver.received.find((r) => r.body.includes('consent.withdrawn'))!.headers['webhook-id'],
  );
  expect(verifyCertificate({ ...done }, certificateSigningKey(gw.runtime.ledger).publicKeyPem)).toBe(true);
  // A changed item breaks the signature.
  expect(
    verifyCertificate({ ...done, status: 'pending' }, certificateSigningKey(gw.runtime.ledger).publicKeyPem),
  ).toBe(false);
  // No personal data: the number appears nowhere in it.
  expect(JSON.stringify(done)).not.toContain(from.slice(3));
  expect(done.keyId).toBe(certificateSigningKey(gw.runtime.ledger).keyId);
}, 30_000);

test('consent certificate --json verifies offline with the README’s openssl commands, as written; an active or unknown consent exits 4', async () => {
  const from = number();
  const { consentId } = await consentWithStoredClip(from);
  const env = {
    PATH: process.env.PATH,
    ...testDatabaseEnv(path.join(dir, 'consent.db')),
    CONSENT_KEYS: KEYS,
    LOG_LEVEL: 'silent',
  };
  expect((await run(process.execPath, [BIN, 'certificate', consentId, '--json'], env)).status).toBe(4);
  expect((await run(process.execPath, [BIN, 'certificate', 'CNS-20260101-000000000000'], env)).status).toBe(
    4,
  );

  await withdrawByKeyZero(from);
  await gw.runJobs();
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = /verify a deletion certificate offline[^]*?```sh\n([^]*?)```/.exec(readme)?.[1];
  expect(block).toBeDefined();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-'));
  // `npx consent` is the package's own bin; here it runs from the project with this test's ledger.
  const script = block!.replace(/^ID=.*$/m, `ID=${consentId}`).replace(/npx consent/g, `node ${BIN}`);
  const r = await run('bash', ['-euo', 'pipefail', '-c', script], env, work);
  expect(r.stderr).not.toMatch(/fail/i);
  expect(r.stdout).toMatch(/Signature Verified Successfully/);

  // The same commands reject a certificate whose content was changed.
  const cert = JSON.parse(fs.readFileSync(path.join(work, 'certificate.json'), 'utf8'));
  fs.writeFileSync(path.join(work, 'certificate.json'), JSON.stringify({ ...cert, reason: 'expired' }));
  const tampered = script.replace(/^.* certificate "\$ID" --json.*$/m, '');
  expect(tampered).not.toEqual(script);
  const t = await run('bash', ['-uo', 'pipefail', '-c', tampered], env, work);
  expect(`${t.stdout}${t.stderr}`).toMatch(/Signature Verification Failure/);
  fs.rmSync(work, { recursive: true, force: true });
}, 60_000);
