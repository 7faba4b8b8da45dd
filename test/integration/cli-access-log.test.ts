import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AccessLog } from '../../src/audit/access-log';
import { Approvals } from '../../src/audit/approvals';
import { startEmbeddedS3 } from '../../src/storage/embedded-s3';
import { addUser, KEYS, seedConsent, startPortal, type Portal, type Seeded } from './audit-support';
import { UserStore } from '../../src/audit/users';
import { testDatabaseEnv } from '../support/test-database';
import { type CliResult, runConsentCli } from '../support/consent-cli';

// The real `consent` binary (built before jest runs) against the portal's own ledger and bucket.
let s3: Awaited<ReturnType<typeof startEmbeddedS3>>;
let portal: Portal;
let seeded: Seeded;
let env: NodeJS.ProcessEnv;
let dir: string;

const consent = (...args: string[]): Promise<CliResult> => runConsentCli(args, env);

const log = (action: string) =>
  portal.rt.ledger.db
    .prepare('SELECT consent_id, call_sid, data FROM access_log WHERE type = ? ORDER BY seq')
    .all(action)
    .map((r) => {
      const row = r as { consent_id: string | null; call_sid: string | null; data: string };
      return { consentId: row.consent_id, callSid: row.call_sid, ...(JSON.parse(row.data) as object) };
    });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-log-'));
  s3 = await startEmbeddedS3({ directory: path.join(dir, 's3'), bucket: 'clips' });
  const s3env = {
    S3_BUCKET: 'clips',
    S3_ENDPOINT: s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    S3_REGION: 'us-east-1',
  };
  process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
  portal = await startPortal({ ...s3env, AUDIT_FOUR_EYES: 'true' });
  seeded = await seedConsent(portal.rt, { withClip: true });
  env = {
    PATH: process.env.PATH,
    ...s3env,
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    ...testDatabaseEnv(path.join(portal.dir, 'consent.db')),
    CONSENT_KEYS: KEYS,
    LOG_LEVEL: 'silent',
    AUDIT_FOUR_EYES: 'true',
  };
}, 30_000);
afterAll(async () => {
  await portal.close();
  await s3.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('When consent call shows a call, then the access log names the operating-system user and the reason', async () => {
  const r = await consent('call', seeded.callSid, '--json', '--reason', 'Complaint, ticket 12');
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ callSid: seeded.callSid });
  expect(log('view_call')).toContainEqual(
    expect.objectContaining({
      callSid: seeded.callSid,
      consentId: seeded.consentId,
      user: os.userInfo().username,
      reason: 'Complaint, ticket 12',
      via: 'cli',
    }),
  );
});

test('When four eyes are on, then consent clip needs an approved, unused approval, logs the read and spends it', async () => {
  const out = path.join(dir, 'clip.mp3');
  const refused = await consent('clip', seeded.consentId, '--out', out);
  expect(refused.status).toBe(1);
  expect(refused.stderr).toMatch(/--approval/);
  expect(fs.existsSync(out)).toBe(false);

  const users = new UserStore(portal.rt.ledger);
  const [asker, approver] = [await addUser(portal, 'auditor'), await addUser(portal, 'auditor')];
  const approvals = new Approvals(portal.rt.ledger);
  approvals.request(seeded.consentId, users.byEmail(asker.email)?.id ?? 0, 'Court order 3 O 12/26');
  const id = portal.rt.ledger.db.prepare('SELECT MAX(id) FROM approvals').pluck().get() as number;
  expect(approvals.approve(id, users.byEmail(approver.email)?.id ?? 0)).toBe(true);

  const ok = await consent('clip', seeded.consentId, '--out', out, '--approval', String(id));
  expect(ok.status).toBe(0);
  expect(fs.statSync(out).size).toBeGreaterThan(1000);
  expect(log('download_clip')).toContainEqual(
    expect.objectContaining({
      consentId: seeded.consentId,
      user: os.userInfo().username,
      reason: 'Court order 3 O 12/26',
      via: 'cli',
      detail: { approval: id },
    }),
  );
  const again = await consent('clip', seeded.consentId, '--out', `${out}.2`, '--approval', String(id));
  expect(again.status).toBe(1);
  // The command line's entries sit in the same hash chain as the portal's.
  expect(new AccessLog(portal.rt.ledger).verify().ok).toBe(true);
}, 30_000);
