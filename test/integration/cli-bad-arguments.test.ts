import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedS3 } from '../../src/storage/embedded-s3';
import { KEYS, startGateway, type Gateway } from '../support/gateway';
import { testDatabaseEnv } from '../support/test-database';
import { runConsentCli } from '../support/consent-cli';

/**
 * The `consent` command as an operator mistypes it. A command line it cannot read exits 2 (usage)
 * with a message naming the problem, and changes nothing: never 0, and never 1, which
 * `consent verify` gives only for a ledger that fails its checks (a monitoring script must not
 * page anyone over a typo). A caller number is read as staff have it, or refused.
 */
jest.setTimeout(120_000);

let dir: string;
let env: NodeJS.ProcessEnv;
let s3: Awaited<ReturnType<typeof startEmbeddedS3>>;
let gw: Gateway;
let callSid: string;
let consentId: string;
const consent = (...args: string[]) => runConsentCli(args, env);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-args-'));
  s3 = await startEmbeddedS3({ directory: path.join(dir, 's3'), bucket: 'clips' });
  const s3env = {
    S3_BUCKET: 'clips',
    S3_ENDPOINT: s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    S3_REGION: 'us-east-1',
  };
  process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
  env = {
    PATH: process.env.PATH,
    ...s3env,
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    ...testDatabaseEnv(path.join(dir, 'consent.db')),
    CONSENT_KEYS: KEYS,
    LOG_LEVEL: 'silent',
  };
  gw = await startGateway(s3env, { dir });
  const call = gw.emulator.placeCall({
    from: '+4915112377001',
    to: '+4930123456',
    fromCountry: 'DE',
    recordingSeconds: 20,
  });
  await call.start();
  for (const k of ['1', '1', '1']) await call.press(k);
  await gw.emulator.settle();
  await gw.runJobs();
  callSid = call.callSid;
  consentId = gw.report(callSid).consentId ?? '';
});
afterAll(async () => {
  await gw.close();
  await s3.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** What a command could change: the event log, the consents, deletions and queued work. */
const snapshot = () =>
  [
    'SELECT COUNT(*) FROM events',
    "SELECT COUNT(*) FROM consents WHERE status = 'active'",
    'SELECT COUNT(*) FROM deletions',
    'SELECT COUNT(*) FROM jobs',
  ].map((q) => Number(gw.runtime.ledger.db.prepare(q).pluck().get()));

test.each([
  [['keys', 'generate', '--id', 'k:2'], /--id "k:2" must be 1-32 letters/],
  [['keys', 'generate', '--id', 'new key'], /must be 1-32 letters/],
  [['verify', '--checkpoint', '/nonexistent/checkpoint.txt'], /cannot read the --checkpoint file/],
  [['verify', '--checkpint', 'checkpoint.txt'], /Unknown option '--checkpint'/],
  [['call', 'CA00000000000000000000000000000000', '--jsno'], /Unknown option '--jsno'/],
  [['retention', 'run', '--dryrun'], /Unknown option '--dryrun'/],
  [['certificate', 'CNS-20261201-000000000000', '--jason'], /Unknown option '--jason'/],
  [['erase', '--caller', 'Erika Mustermann', '--channel', 'letter'], /--caller is not a phone number/],
  [['withdraw', '--caller', 'anonymous', '--channel', 'email'], /--caller is not a phone number/],
  [['withdraw', '--caller', '+266696687', '--channel', 'email'], /--caller is not a phone number/],
])('consent %j exits 2 naming the problem and changes nothing', async (args, message) => {
  const before = snapshot();
  const r = await consent(...args);
  expect({ status: r.status, stderr: r.stderr }).toEqual({
    status: 2,
    stderr: expect.stringMatching(message),
  });
  expect(r.stdout).toBe('');
  expect(snapshot()).toEqual(before);
});

test('consent clip to a path that cannot be written exits 2 before anything is read or logged', async () => {
  expect(gw.report(callSid).clip.status).toBe('stored');
  const accessLog = () =>
    Number(gw.runtime.ledger.db.prepare('SELECT COUNT(*) FROM access_log').pluck().get());
  const [before, logged] = [snapshot(), accessLog()];
  for (const out of [path.join(dir, 'no-such-folder', 'clip.mp3'), dir]) {
    const r = await consent('clip', consentId, '--out', out);
    expect({ status: r.status, stderr: r.stderr }).toEqual({
      status: 2,
      stderr: expect.stringContaining(`cannot write the --out file ${out}`),
    });
  }
  expect([snapshot(), accessLog()]).toEqual([before, logged]);
});

test('consent withdraw --caller with the number as written in a letter (national format) withdraws its consent', async () => {
  expect(gw.runtime.ledger.getConsent(consentId)?.status).toBe('active');
  const r = await consent('withdraw', '--caller', '0151 123 770 01', '--channel', 'letter');
  expect(r.stdout).toMatch(new RegExp(`withdrew 1 consent\\(s\\): ${consentId}`));
  expect(r.status).toBe(0);
  expect(gw.runtime.ledger.getConsent(consentId)?.status).toBe('withdrawn');
});
