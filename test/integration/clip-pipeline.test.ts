import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rotateKeys } from '../../src/cli/rotate';
import { KeyRing } from '../../src/crypto/keyring';
import { readClip } from '../../src/jobs/handlers';
import { startEmbeddedS3 } from '../../src/storage/embedded-s3';
import { createS3ClipStore } from '../../src/storage/s3-clip-store';
import { KEYS, startGateway, type Gateway } from '../support/gateway';
import { openTestLedger } from '../support/test-database';

const FFMPEG = '/usr/bin/ffmpeg';
type S3 = Awaited<ReturnType<typeof startEmbeddedS3>>;

let s3dir: string;
let s3: S3;
let port: number;

async function startS3(): Promise<S3> {
  const server = await startEmbeddedS3({ directory: s3dir, bucket: 'clips', port });
  port = Number(new URL(server.endpoint).port);
  process.env.AWS_ACCESS_KEY_ID = server.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = server.credentials.secretAccessKey;
  return server;
}

const s3env = () => ({
  S3_BUCKET: 'clips',
  S3_ENDPOINT: s3.endpoint,
  S3_FORCE_PATH_STYLE: 'true',
  S3_REGION: 'us-east-1',
});
const objects = (): string[] => {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (
        !e.name.startsWith('.') &&
        !e.name.endsWith('._S3rver_metadata.json') &&
        !e.name.endsWith('._S3rver_object.md5')
      )
        found.push(full);
    }
  };
  const bucketDir = path.join(s3dir, 'clips');
  if (fs.existsSync(bucketDir)) walk(bucketDir);
  return found;
};
const probe = (file: string): number => {
  const out = execFileSync(FFMPEG, ['-hide_banner', '-i', file, '-f', 'null', '-'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  }).toString();
  void out;
  return 0;
};

beforeAll(async () => {
  s3dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3-'));
  port = 0;
  s3 = await startS3();
});
afterAll(async () => {
  await s3.close();
  fs.rmSync(s3dir, { recursive: true, force: true });
});

async function consentingCall(
  gw: Gateway,
  from = `+49151${crypto.randomInt(1e6, 1e7)}`,
  order: 'recording-first' | 'status-first' = 'recording-first',
) {
  const call = gw.emulator.placeCall({
    from,
    to: '+4930123456',
    fromCountry: 'DE',
    recordingSeconds: 30,
    callbackOrder: order,
  });
  await call.start();
  for (const d of ['1', '1', '2']) await call.press(d);
  await gw.emulator.settle();
  return call;
}

describe('consent snippet evidence', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway(s3env());
  });
  afterAll(async () => {
    await gw.close();
  });

  test('when a caller consents, exactly one encrypted clip is stored, it decrypts to playable audio of the consent span, and Twilio’s copy is deleted', async () => {
    const before = objects().length;
    const call = await consentingCall(gw);
    const recordingSid = [...gw.emulator.recordings.values()].find((r) => r.callSid === call.callSid)!.sid;
    expect(gw.report(call.callSid).clip.status).toBe('pending');
    await gw.runJobs();
    await gw.runJobs();
    const report = gw.report(call.callSid);
    expect(report.clip.status).toBe('stored');
    expect(objects().length).toBe(before + 1);
    const stored = fs.readFileSync(objects().at(-1)!);
    expect(stored.includes(Buffer.from('ID3'))).toBe(false);
    expect(crypto.createHash('sha256').update(stored).digest('hex')).toBe(report.clip.sha256);
    expect(gw.emulator.recordings.get(recordingSid)?.status).toBe('deleted');
    const clip = await readClip(gw.runtime.ledger, gw.runtime.store, report.consentId!);
    const out = path.join(gw.dir, 'clip.mp3');
    fs.writeFileSync(out, clip!.audio);
    expect(() => probe(out)).not.toThrow();
    const row = gw.runtime.ledger.getClip(report.consentId!)!;
    expect(row.duration_sec).toBeGreaterThan(0.5);
    expect(row.duration_sec).toBeLessThan(30);
    expect(row.key_id).toBe('k1');
    expect(report.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['clip_stored', 'recording_deleted']),
    );
  });

  test('when the recording callback arrives twice, still one object is stored and Twilio is asked to delete once', async () => {
    gw.emulator.faults = { recordingCallback: 'duplicate' };
    const before = objects().length;
    const call = await consentingCall(gw);
    gw.emulator.faults = {};
    await gw.runJobs();
    await gw.runJobs();
    expect(objects().length).toBe(before + 1);
    const deletes = gw.emulator.requests.filter(
      (r) =>
        r.method === 'DELETE' &&
        [...gw.emulator.recordings.values()].some(
          (rec) => rec.callSid === call.callSid && r.path.includes(rec.sid),
        ),
    );
    expect(deletes).toHaveLength(1);
  });

  test.each(['recording-first', 'status-first'] as const)(
    'when a caller refuses or hangs up (%s), no audio is stored and Twilio’s recording is deleted',
    async (order) => {
      const before = objects().length;
      const refuser = gw.emulator.placeCall({
        from: '+4915100000101',
        to: '+4930',
        fromCountry: 'DE',
        callbackOrder: order,
      });
      await refuser.start();
      await refuser.press('2');
      const leaver = gw.emulator.placeCall({
        from: '+4915100000102',
        to: '+4930',
        fromCountry: 'DE',
        callbackOrder: order,
      });
      await leaver.start();
      await leaver.hangup();
      await gw.emulator.settle();
      await gw.runJobs();
      await gw.runJobs();
      expect(objects().length).toBe(before);
      for (const call of [refuser, leaver]) {
        const recs = [...gw.emulator.recordings.values()].filter((r) => r.callSid === call.callSid);
        expect(recs.length).toBeGreaterThan(0);
        for (const r of recs) expect(r.status).toBe('deleted');
        expect(gw.report(call.callSid).clip.status).toBe('none');
      }
    },
  );

  test('when the caller later withdraws by pressing 0, the stored clip object is deleted and marked deleted', async () => {
    const from = '+4915100000103';
    const first = await consentingCall(gw, from);
    await gw.runJobs();
    expect(gw.report(first.callSid).clip.status).toBe('stored');
    const before = objects().length;
    const second = gw.emulator.placeCall({ from, to: '+4930', fromCountry: 'DE' });
    await second.start();
    await second.press('0');
    await gw.runJobs();
    expect(gw.report(first.callSid).clip.status).toBe('deleted');
    expect(objects().length).toBe(before - 1);
    expect(
      await readClip(gw.runtime.ledger, gw.runtime.store, gw.report(first.callSid).consentId!),
    ).toBeNull();
  });

  test('a clip read while its deletion is under way (object gone, row not yet updated) is no stored clip; an object lost with no deletion ordered is an error', async () => {
    const from = '+4915100000104';
    const first = await consentingCall(gw, from);
    await gw.runJobs();
    const consentId = gw.report(first.callSid).consentId!;
    const objectKey = gw.runtime.ledger.getClip(consentId)!.object_key!;
    // Lost without a deletion: the ledger promises evidence S3 no longer has, and says so loudly.
    const lost = await consentingCall(gw, '+4915100000105');
    await gw.runJobs();
    const lostId = gw.report(lost.callSid).consentId!;
    await gw.runtime.store.delete(gw.runtime.ledger.getClip(lostId)!.object_key!);
    await expect(readClip(gw.runtime.ledger, gw.runtime.store, lostId)).rejects.toThrow();
    // The caller withdraws; the deletion job's first step (the object) is done, its second is not.
    const second = gw.emulator.placeCall({ from, to: '+4930', fromCountry: 'DE' });
    await second.start();
    await second.press('0');
    await gw.runtime.store.delete(objectKey);
    expect(gw.runtime.ledger.getClip(consentId)!.status).toBe('stored');
    expect(await readClip(gw.runtime.ledger, gw.runtime.store, consentId)).toBeNull();
    await gw.runJobs();
    expect(gw.report(first.callSid).clip.status).toBe('deleted');
  });
});

describe('nothing is lost', () => {
  test('when S3 is down, the clip job retries and the clip is stored once S3 is back', async () => {
    const gw = await startGateway(s3env());
    try {
      const call = await consentingCall(gw);
      await s3.close();
      await gw.runJobs();
      const job = gw.runtime.ledger.db
        .prepare("SELECT * FROM jobs WHERE kind = 'process_recording'")
        .get() as { status: string; last_error: string; attempts: number };
      expect(job.status).toBe('pending');
      expect(job.last_error).toBeTruthy();
      expect(gw.report(call.callSid).clip.status).toBe('pending');
      s3 = await startS3();
      gw.runtime.ledger.db.prepare("UPDATE jobs SET run_at = 0 WHERE status = 'pending'").run();
      await gw.runJobs();
      expect(gw.report(call.callSid).clip.status).toBe('stored');
    } finally {
      await gw.close();
    }
  });

  test.each(['truncated', 'garbage', '500'] as const)(
    'when Twilio serves %s media, the job records the error, retries, and succeeds when the media is good',
    async (fault) => {
      const gw = await startGateway(s3env());
      try {
        const call = await consentingCall(gw);
        gw.emulator.faults = { media: fault };
        await gw.runJobs();
        const job = () =>
          gw.runtime.ledger.db
            .prepare("SELECT status, last_error, attempts FROM jobs WHERE kind = 'process_recording'")
            .get() as { status: string; last_error: string | null; attempts: number };
        expect(job().status).toBe('pending');
        expect(job().last_error).toBeTruthy();
        expect(gw.report(call.callSid).clip.status).toBe('pending');
        gw.emulator.faults = {};
        gw.runtime.ledger.db.prepare("UPDATE jobs SET run_at = 0 WHERE status = 'pending'").run();
        await gw.runJobs();
        expect(gw.report(call.callSid).clip.status).toBe('stored');
      } finally {
        await gw.close();
      }
    },
  );

  test('when the process dies with a job in flight, a restart on the same ledger finishes it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crash-'));
    try {
      const first = await startGateway(s3env(), { dir });
      const call = await consentingCall(first);
      // The crash: the job was claimed (running) and the process went away before finishing.
      first.runtime.ledger.db
        .prepare("UPDATE jobs SET status = 'running', attempts = 1 WHERE kind = 'process_recording'")
        .run();
      const sid = call.callSid;
      const emulatorRecordings = first.emulator.recordings;
      await first.close();
      const second = await startGateway(s3env(), { dir });
      try {
        // The restarted service talks to the same Twilio (its emulator is new, so hand it the recordings).
        for (const [k, v] of emulatorRecordings) second.emulator.recordings.set(k, v);
        second.runtime.jobs.start();
        await second.runtime.jobs.stop();
        await second.runJobs();
        expect(second.report(sid).clip.status).toBe('stored');
      } finally {
        await second.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('key rotation', () => {
  test('clips stored before rotation still decrypt after the old key is removed from the ring', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rotate-'));
    try {
      const gw = await startGateway(s3env(), { dir });
      const call = await consentingCall(gw);
      await gw.runJobs();
      const consentId = gw.report(call.callSid).consentId!;
      const original = (await readClip(gw.runtime.ledger, gw.runtime.store, consentId))!.audio;
      await gw.close();

      const k2 = `k2:${crypto.randomBytes(32).toString('base64')}`;
      const dbFile = path.join(dir, 'consent.db');
      const both = openTestLedger(dbFile, new KeyRing(parse(`${k2},${KEYS}`)));
      const result = rotateKeys(both);
      expect(result.stillNeeded).toEqual([]);
      both.close();

      const onlyNew = openTestLedger(dbFile, new KeyRing(parse(k2)));
      const store = createS3ClipStore({
        bucket: 'clips',
        region: 'us-east-1',
        endpoint: s3.endpoint,
        forcePathStyle: true,
      });
      const after = await readClip(onlyNew, store, consentId);
      expect(after?.audio.equals(original)).toBe(true);
      expect(onlyNew.getClip(consentId)?.key_id).toBe('k2');
      onlyNew.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

function parse(ring: string) {
  return ring.split(',').map((e) => {
    const [id, b64] = e.split(':') as [string, string];
    return { id, key: Buffer.from(b64, 'base64') };
  });
}
