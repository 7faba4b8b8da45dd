/**
 * Retention deletes: a consent whose purposes' retention has run out expires, its clip leaves the
 * bucket with its data key, the caller's data kept only for it is shredded, and the ledger and
 * `consent call --json` say so. Driven with the real `consent` binary against a ledger real calls
 * wrote, with retention periods of a second (fractions of a day are allowed for exactly this).
 */
jest.setTimeout(60_000);

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeyRing } from '../../src/crypto/keyring';
import { parseKeyRing } from '../../src/config';
import { RETENTION_JOB, scheduleRetention } from '../../src/lifecycle/retention-job';
import { startEmbeddedS3 } from '../../src/storage/embedded-s3';
import { KEYS, startGateway, type Gateway } from '../support/gateway';
import { openTestLedger, testDatabaseEnv } from '../support/test-database';
import { type CliResult, runConsentCli } from '../support/consent-cli';

/** 0.00001 days is 0.864 s: the `call` purpose ends within the test. */
const SHORT = 0.00001;
const OPERATOR = {
  purposes: [
    { id: 'call', retentionDays: SHORT },
    { id: 'ai_training', retentionDays: 1000 },
    { id: 'personalization', retentionDays: SHORT },
  ],
};

let dir: string;
let env: NodeJS.ProcessEnv;
let s3: Awaited<ReturnType<typeof startEmbeddedS3>>;
let gw: Gateway;
const S3ENV = { S3_BUCKET: 'clips', S3_FORCE_PATH_STYLE: 'true', S3_REGION: 'us-east-1' };

const consent = (...args: string[]): Promise<CliResult> => runConsentCli(args, env);

/** A call that consents with the given answers to the three purposes; its clip is stored. */
async function consentingCall(
  from: string,
  answers: string[],
): Promise<{ callSid: string; consentId: string }> {
  const call = gw.emulator.placeCall({ from, to: '+4930', fromCountry: 'DE', recordingSeconds: 12 });
  await call.start();
  for (const key of answers) await call.press(key);
  await gw.emulator.settle();
  await gw.runJobs();
  const report = gw.report(call.callSid);
  expect(report.clip.status).toBe('stored');
  return { callSid: call.callSid, consentId: report.consentId as string };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let onlyCall: { callSid: string; consentId: string };
let withTraining: { callSid: string; consentId: string };
const CALLER_A = '+4915100000401';
const CALLER_B = '+4915100000402';

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retention-'));
  s3 = await startEmbeddedS3({ directory: path.join(dir, 's3'), bucket: 'clips' });
  const configFile = path.join(dir, 'gateway.config.json');
  fs.writeFileSync(configFile, JSON.stringify(OPERATOR));
  env = {
    PATH: process.env.PATH,
    ...S3ENV,
    S3_ENDPOINT: s3.endpoint,
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    ...testDatabaseEnv(path.join(dir, 'consent.db')),
    CONSENT_KEYS: KEYS,
    GATEWAY_CONFIG: configFile,
    LOG_LEVEL: 'silent',
  };
  process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
  gw = await startGateway({ ...S3ENV, S3_ENDPOINT: s3.endpoint, GATEWAY_CONFIG: configFile }, { dir });
  onlyCall = await consentingCall(CALLER_A, ['1', '2', '2']);
  withTraining = await consentingCall(CALLER_B, ['1', '1', '1']);
  await sleep(1_000);
});
afterAll(async () => {
  await gw.close();
  await s3.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const subjectKey = (caller: string): string | null =>
  // Prepared apart from the ledger's own cached statements (pluck() would change theirs).
  gw.runtime.ledger.db
    .prepare('SELECT wrapped_key FROM subject_keys WHERE subject_hash = ?')
    .pluck()
    .get(gw.runtime.ledger.callerHash(caller)) as string | null;

test('a dry run names what would expire and changes nothing', async () => {
  const r = await consent('retention', 'run', '--dry-run', '--json');
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual({ expired: [onlyCall.consentId], clipsDeleted: 1 });
  expect(gw.report(onlyCall.callSid).clip.status).toBe('stored');
  expect(gw.report(onlyCall.callSid).events.map((e) => e.type)).not.toContain('expired');
});

test('a run expires the consent whose only purpose ended: clip and data key gone, caller data shredded, the ledger says so', async () => {
  const clip = gw.runtime.ledger.getClip(onlyCall.consentId);
  const key = clip?.object_key as string;
  expect(await gw.runtime.store.head(key)).not.toBeNull();

  const r = await consent('retention', 'run', '--json');
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual({ expired: [onlyCall.consentId], clipsDeleted: 1 });

  const report = await consent('call', onlyCall.callSid, '--json');
  const json = JSON.parse(report.stdout) as {
    clip: { status: string };
    events: Array<{ type: string }>;
    consentStatus: string;
  };
  expect(json.clip.status).toBe('deleted');
  expect(json.consentStatus).toBe('expired');
  expect(json.events.map((e) => e.type)).toEqual(expect.arrayContaining(['expired', 'clip_deleted']));
  expect(await gw.runtime.store.head(key)).toBeNull();
  expect(gw.runtime.ledger.getClip(onlyCall.consentId)?.wrapped_key).toBeNull();
  // The caller's number and answer were held only for this consent: gone, and so is their key.
  const row = gw.runtime.ledger.getConsent(onlyCall.consentId);
  expect([row?.caller_enc, row?.input_enc]).toEqual([null, null]);
  expect(gw.runtime.ledger.getCall(onlyCall.callSid)?.caller_enc).toBeNull();
  expect(subjectKey(CALLER_A)).toBeNull();
  expect((await consent('clip', onlyCall.consentId, '--out', path.join(dir, 'x.mp3'))).status).toBe(4);
});

test('a consent with a purpose still running loses only the ended purposes and keeps its clip and data', async () => {
  const report = gw.report(withTraining.callSid);
  expect(report.consentStatus).toBe('active');
  expect(report.clip.status).toBe('stored');
  expect(report.events.map((e) => e.type)).toContain('purpose_expired');
  expect(report.events.map((e) => e.type)).not.toContain('expired');
  const ended = JSON.parse(
    gw.runtime.ledger.getConsent(withTraining.consentId)?.purposes_ended ?? '{}',
  ) as Record<string, string>;
  expect(Object.keys(ended).sort()).toEqual(['call', 'personalization']);
  expect(subjectKey(CALLER_B)).not.toBeNull();
  expect(gw.runtime.ledger.callerNumber(gw.runtime.ledger.getCall(withTraining.callSid)!)).toBe(CALLER_B);
});

test('running it again expires nothing twice', async () => {
  const r = await consent('retention', 'run', '--json');
  expect(JSON.parse(r.stdout)).toEqual({ expired: [], clipsDeleted: 0 });
  const types = gw.report(onlyCall.callSid).events.map((e) => e.type);
  expect(types.filter((t) => t === 'expired')).toHaveLength(1);
  expect(types.filter((t) => t === 'clip_deleted')).toHaveLength(1);
  expect(gw.report(withTraining.callSid).events.filter((e) => e.type === 'purpose_expired')).toHaveLength(1);
  // What retention changed is itself in the log: the ledger still verifies.
  const verify = await consent('verify');
  expect(verify.stdout + verify.stderr).not.toMatch(/broken|mismatch/i);
  expect(verify.status).toBe(0);
});

test('several processes scheduling the hourly run enqueue one job per hour, and the job applies the schedule', async () => {
  const other = openTestLedger(path.join(dir, 'consent.db'), new KeyRing(parseKeyRing(KEYS)));
  try {
    const third = await consentingCall('+4915100000403', ['1', '2', '2']);
    await sleep(1_000);
    const now = new Date();
    scheduleRetention(gw.runtime.ledger, now);
    scheduleRetention(other, now);
    const hourly = gw.runtime.ledger
      .sql(
        "SELECT COUNT(*) FROM jobs WHERE kind = ? AND dedupe_key LIKE 'retention:hour:%' AND status = 'pending'",
      )
      .pluck()
      .get(RETENTION_JOB) as number;
    expect(hourly).toBe(1);
    await gw.runJobs();
    const report = gw.report(third.callSid);
    expect(report.consentStatus).toBe('expired');
    expect(report.clip.status).toBe('deleted');
  } finally {
    other.close();
  }
});
