import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedS3 } from '../../src/storage/embedded-s3';
import { KEYS, startGateway } from '../support/gateway';
import { openDatabase } from '../../src/ledger/database';
import {
  copyTestDatabase,
  dropAppendOnlyGuard,
  testDatabase,
  testDatabaseEnv,
} from '../support/test-database';
import { runConsentCli } from '../support/consent-cli';

// The real `consent` binary (built by `npm test` before jest runs) against a ledger a real call wrote.
let dir: string;
let env: NodeJS.ProcessEnv;
let s3: Awaited<ReturnType<typeof startEmbeddedS3>>;
let granted: { callSid: string; consentId: string };
let declinedSid: string;

// Each test starts several `consent` processes; on a loaded CI machine one start takes seconds
// (a run beside other jobs went past 30 s on Node 24 where a quiet one takes 4).
jest.setTimeout(90_000);
const consent = (...args: string[]) => runConsentCli(args, env);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-'));
  s3 = await startEmbeddedS3({ directory: path.join(dir, 's3'), bucket: 'clips' });
  const s3env = {
    S3_BUCKET: 'clips',
    S3_ENDPOINT: s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    S3_REGION: 'us-east-1',
  };
  env = {
    PATH: process.env.PATH,
    ...s3env,
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    ...testDatabaseEnv(path.join(dir, 'consent.db')),
    CONSENT_KEYS: KEYS,
    LOG_LEVEL: 'silent',
  };
  process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
  const gw = await startGateway(s3env, { dir });
  const call = gw.emulator.placeCall({
    from: '+4915100000201',
    to: '+4930',
    fromCountry: 'DE',
    recordingSeconds: 20,
  });
  await call.start();
  await call.say('ja gerne', 0.91);
  await call.press('2');
  await call.press('1');
  await gw.emulator.settle();
  await gw.runJobs();
  granted = { callSid: call.callSid, consentId: gw.report(call.callSid).consentId! };
  const refuser = gw.emulator.placeCall({ from: '+4915100000202', to: '+4930', fromCountry: 'GB' });
  await refuser.start();
  await refuser.press('2');
  declinedSid = refuser.callSid;
  await gw.close();
});
afterAll(async () => {
  await s3.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the consent command', () => {
  test('consent call --json prints the contract’s fields for a granted call', async () => {
    const r = await consent('call', granted.callSid, '--json');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      callSid: granted.callSid,
      locale: 'de',
      outcome: 'granted',
      consentId: granted.consentId,
      purposes: { call: true, ai_training: false, personalization: true },
      method: 'speech',
      routedTo: 'assistant',
      clip: { status: 'stored' },
    });
    const types = report.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['disclosed', 'granted', 'declined', 'handover']));
    for (const e of report.events) expect(Number.isNaN(Date.parse(e.at))).toBe(false);
  });

  test('consent call --json for a refused call says declined, routed to a human, no clip', async () => {
    const report = JSON.parse((await consent('call', declinedSid, '--json')).stdout);
    expect(report).toMatchObject({
      locale: 'en',
      outcome: 'declined',
      routedTo: 'human',
      method: 'dtmf',
      clip: { status: 'none' },
    });
  });

  test('an unknown call exits 4', async () => {
    expect((await consent('call', `CA${'9'.repeat(32)}`, '--json')).status).toBe(4);
  });

  test('consent clip writes audio ffmpeg can read; a consent without a clip exits 4', async () => {
    const out = path.join(dir, 'out.mp3');
    const r = await consent('clip', granted.consentId, '--out', out);
    expect(r.status).toBe(0);
    expect(() =>
      execFileSync('/usr/bin/ffmpeg', ['-v', 'error', '-i', out, '-f', 'null', '-']),
    ).not.toThrow();
    expect((await consent('clip', 'CNS-20260101-000000000000', '--out', out)).status).toBe(4);
  });

  test('consent call --json names both clip hashes: the audio file as consent clip writes it, and the stored ciphertext', async () => {
    const out = path.join(dir, 'hashed.mp3');
    expect((await consent('clip', granted.consentId, '--out', out)).status).toBe(0);
    const { clip } = JSON.parse((await consent('call', granted.callSid, '--json')).stdout) as {
      clip: { audioFileSha256: string; storedCiphertextSha256: string; sha256: string };
    };
    expect(clip.audioFileSha256).toBe(crypto.createHash('sha256').update(fs.readFileSync(out)).digest('hex'));
    expect(clip.storedCiphertextSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(clip.storedCiphertextSha256).not.toBe(clip.audioFileSha256);
    // The first name of the ciphertext's hash stays for scripts that read it.
    expect(clip.sha256).toBe(clip.storedCiphertextSha256);
  });

  test('consent verify passes on an intact ledger and names the first broken link after tampering', async () => {
    expect((await consent('verify')).status).toBe(0);
    const copy = copyTestDatabase(path.join(dir, 'consent.db'), path.join(dir, 'tampered.db'));
    const db = openDatabase(testDatabase(copy));
    dropAppendOnlyGuard(db, 'events');
    db.prepare("UPDATE events SET type = 'granted' WHERE seq = 4").run();
    db.close();
    const r = await runConsentCli(['verify'], { ...env, ...testDatabaseEnv(copy) });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/BROKEN at event 4/);
  });

  test('consent keys public prints one named key per use; consent jobs lists no failures', async () => {
    const out = (await consent('keys', 'public')).stdout;
    for (const use of ['consent-token', 'export', 'certificate', 'checkpoint'])
      expect(out).toMatch(new RegExp(`^# ${use} .*\\n-----BEGIN PUBLIC KEY-----`, 'm'));
    const jobs = await consent('jobs', '--json');
    expect(jobs.status).toBe(0);
    expect(JSON.parse(jobs.stdout).filter((j: { status: string }) => j.status === 'failed')).toEqual([]);
  });

  test('consent keys rotate-signing makes a new key of one use; the old one stays published, the log still verifies; an unknown use changes nothing', async () => {
    const before = (await consent('keys', 'public')).stdout;
    const bad = await consent('keys', 'rotate-signing', 'everything');
    expect(bad.status).toBe(2);
    expect((await consent('keys', 'public')).stdout).toBe(before);

    const r = await consent('keys', 'rotate-signing', 'certificate');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/new signing key certificate-2\n/);
    const after = (await consent('keys', 'public')).stdout;
    expect(after).toMatch(/^# certificate \(key certificate-2, active\)/m);
    expect(after).toMatch(/^# certificate \(key certificate-1, retired: verifies only\)/m);
    for (const block of before.split(/^# /m).filter(Boolean))
      expect(after).toContain(block.split('\n').slice(1).join('\n'));
    expect((await consent('verify')).status).toBe(0);
  });

  test('consent simulate lets an operator hear a Turkish call with keys', async () => {
    const r = await consent('simulate', '--lang', 'tr', '--press', '9,1,2,2');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/yapay zekâ telefon asistanı/);
    expect(r.stdout).toMatch(/madde 13/);
    expect(r.stdout).toMatch(/caller: presses 9/);
    expect(r.stdout).toMatch(/"outcome":"granted"/);
  });

  test('consent locales check passes on the shipped locales', async () => {
    const r = await consent('locales', 'check');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/de, en, fr, tr/);
  });

  test('consent withdraw by e-mail request withdraws the consent, deletes its clip object and logs the channel', async () => {
    const r = await consent('withdraw', granted.consentId, '--channel', 'email');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`withdrew 1 consent\\(s\\): ${granted.consentId}`));
    const report = JSON.parse((await consent('call', granted.callSid, '--json')).stdout);
    expect(report.clip.status).toBe('deleted');
    expect(report.consentStatus).toBe('withdrawn');
    expect((await consent('clip', granted.consentId, '--out', path.join(dir, 'gone.mp3'))).status).toBe(4);
    expect((await consent('withdraw', granted.consentId, '--channel', 'email')).status).toBe(4);
    // Every withdrawal names its channel: the CRM and the certificate say how it came.
    expect((await consent('withdraw', granted.consentId)).status).toBe(2);
  }, 30_000);

  test('consent erase destroys the caller key: the number is unreadable, the chain still verifies', async () => {
    const r = await consent('erase', '--caller', '+4915100000202', '--channel', 'web');
    expect(r.status).toBe(0);
    const db = openDatabase(testDatabase(path.join(dir, 'consent.db')));
    const hashes = db
      .prepare('SELECT subject_hash, wrapped_key FROM subject_keys WHERE wrapped_key IS NULL')
      .all();
    db.close();
    expect(hashes).toHaveLength(1);
    expect((await consent('verify')).status).toBe(0);
  });
});
