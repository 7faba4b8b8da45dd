import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { KeyRing } from '../src/crypto/keyring';
import { Catalog } from '../src/i18n/catalog';
import { createJobHandlers } from '../src/jobs/handlers';
import { JobRunner } from '../src/jobs/queue';
import { Ledger } from '../src/ledger';
import { createLogger } from '../src/logger';
import { makeToneWav } from '../src/recording/ffmpeg';
import { startEmbeddedS3 } from '../src/storage/embedded-s3';
import { createS3ClipStore } from '../src/storage/s3-clip-store';
import { createTwilioApi } from '../src/twilio/rest';
import { localesDir, promptsDir } from '../src/config';

/**
 * Time from a recording callback's job to a stored, verified clip: media download from a local
 * "Twilio" on loopback, ffmpeg cut + MP3, envelope encryption, S3 upload and head check.
 */
export async function benchPipeline(
  ffmpeg: string,
  minutes: number,
  runs = 3,
): Promise<{ seconds: number; wavMB: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-pipeline-'));
  const wav = path.join(dir, 'recording.wav');
  await makeToneWav({ ffmpeg, output: wav, seconds: minutes * 60 });
  const media = http.createServer((req, res) => {
    if (req.method === 'DELETE') {
      res.writeHead(204).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'audio/x-wav', 'content-length': fs.statSync(wav).size });
    fs.createReadStream(wav).pipe(res);
  });
  await new Promise<void>((resolve) => media.listen(0, '127.0.0.1', resolve));
  const apiBase = `http://127.0.0.1:${(media.address() as AddressInfo).port}`;
  const s3 = await startEmbeddedS3({ directory: path.join(dir, 's3'), bucket: 'bench' });
  const store = createS3ClipStore({
    bucket: s3.bucket,
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: s3.credentials,
  });
  const ledger = new Ledger(
    path.join(dir, 'bench.db'),
    new KeyRing([{ id: 'k1', key: crypto.randomBytes(32) }]),
  );
  const log = createLogger('silent');
  const handlers = createJobHandlers({
    ledger,
    store,
    twilio: createTwilioApi({ apiBase, accountSid: `AC${'0'.repeat(32)}`, authToken: 'x' }),
    catalog: Catalog.load(localesDir(), promptsDir()),
    ffmpeg: () => ffmpeg,
    log,
    company: 'Bench',
    privacyUrl: null,
  });
  const runner = new JobRunner(ledger, handlers, log);
  let best = Infinity;
  for (let i = 0; i < runs; i += 1) {
    const callSid = `CA${crypto.randomBytes(16).toString('hex')}`;
    const recordingSid = `RE${crypto.randomBytes(16).toString('hex')}`;
    const t0 = Date.now() - 120_000;
    const notice = ledger.notice('de', 'text', 'bench');
    ledger.startCall({
      callSid,
      from: '+4915100000000',
      called: '+4930',
      country: 'DE',
      locale: 'de',
      at: new Date(),
    });
    ledger.updateCall(callSid, { recording_started_ms: t0, outcome: 'granted' }, new Date());
    // A 20 s consent span, 100 s into the recording.
    ledger.createConsent({
      callSid,
      callerHash: null,
      callerEnc: null,
      locale: 'de',
      method: 'dtmf',
      input: '1',
      confidence: null,
      noticeId: notice,
      decision: 'granted',
      purposes: { call: true },
      clipStartMs: t0 + 100_000,
      clipEndMs: t0 + 118_500,
      at: new Date(),
    });
    const consentId = ledger.consentsForCall(callSid)[0]!.id;
    ledger.db.prepare('UPDATE calls SET consent_id = ? WHERE call_sid = ?').run(consentId, callSid);
    const start = process.hrtime.bigint();
    ledger.enqueue(
      'process_recording',
      { callSid, recordingSid },
      { dedupeKey: `process_recording:${recordingSid}` },
    );
    await runner.runDue();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (ledger.getClip(consentId)?.status !== 'stored') throw new Error('bench clip was not stored');
    best = Math.min(best, seconds);
  }
  await runner.stop();
  const wavMB = fs.statSync(wav).size / 1e6;
  ledger.close();
  await s3.close();
  await new Promise<void>((resolve) => media.close(() => resolve()));
  fs.rmSync(dir, { recursive: true, force: true });
  return { seconds: best, wavMB };
}
