import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testDatabaseEnv, testEngine } from '../support/test-database';
import { TwilioEmulator, type EmulatedCall } from '../support/twilio-emulator';
import { WebhookReceiver } from '../support/webhook-receiver';
import {
  consent,
  freePort,
  startAssistant,
  startCountingS3,
  startServer,
  type ServerProcess,
} from './processes';

/**
 * What the service tells other systems, while they are down and the calls go on: S3 stopped (its
 * port refusing) and started again at the same address, Twilio's REST API answering 503 and its
 * recording media failing, the CRM refusing connections and then answering 500. The real server
 * process on the engine under test. Nothing may be lost and nothing done twice: each clip stored
 * once, Twilio's recording deleted once and only after its clip is stored, each receipt SMS sent
 * once, each CRM event acknowledged once; /healthz degraded while S3 is gone, ok afterwards.
 */
const ACCOUNT_SID = `AC${'f6'.repeat(16)}`;
const AUTH_TOKEN = 'outbound-outage-auth-token-0123456789';
const KEYS = `k1:${Buffer.alloc(32, 17).toString('base64')}`;
const SECRET = `whsec_${crypto.randomBytes(32).toString('base64')}`;
const BUCKET = 'clips';

let dir: string;
let s3: Awaited<ReturnType<typeof startCountingS3>>;
let assistant: Awaited<ReturnType<typeof startAssistant>>;
let crm: WebhookReceiver;
let emulator: TwilioEmulator;
let server: ServerProcess;
let env: NodeJS.ProcessEnv;
let baseUrl: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbound-outage-'));
  s3 = await startCountingS3(path.join(dir, 's3'), BUCKET);
  assistant = await startAssistant();
  crm = await WebhookReceiver.start();
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  emulator = await TwilioEmulator.start({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    appBaseUrl: baseUrl,
  });
  env = {
    PATH: process.env.PATH,
    NODE_ENV: 'development',
    PORT: String(port),
    PUBLIC_BASE_URL: baseUrl,
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    TWILIO_API_BASE: emulator.apiBase,
    ...testDatabaseEnv(path.join(dir, 'consent.db')),
    CONSENT_KEYS: KEYS,
    S3_BUCKET: BUCKET,
    S3_ENDPOINT: s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    S3_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    HUMAN_AGENT_NUMBER: '+4930111222',
    ASSISTANT_URL: assistant.url,
    CRM_WEBHOOK_URL: crm.url,
    CRM_WEBHOOK_SECRET: SECRET,
    RECEIPT_SMS: 'true',
    FFMPEG_PATH: '/usr/bin/ffmpeg',
    LOG_LEVEL: 'warn',
    NODE_NO_WARNINGS: '1',
  };
  server = await startServer(env, baseUrl, dir);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await emulator?.close();
  await crm?.down();
  await assistant?.close();
  await s3?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}${last ? ` (${String(last)})` : ''}; the server said:\n${server.lines
          .filter((l) => /"level":(40|50|60)/.test(l))
          .slice(-6)
          .map((l) => l.slice(0, 300))
          .join('\n')}`,
      );
    await sleep(250);
  }
}

let numbers = 0;
async function call(keys: string[]): Promise<EmulatedCall> {
  const from = `+49151${String(8_000_000 + numbers++).padStart(8, '0')}`;
  const c = emulator.placeCall({ from, to: '+4930123456', fromCountry: 'DE', recordingSeconds: 20 });
  await c.start();
  for (const k of keys) {
    await sleep(100 + Math.random() * 300);
    await c.press(k);
  }
  await c.hangup();
  return c;
}

interface Job {
  kind: string;
  status: string;
  attempts: number;
  last_error: string | null;
}
async function jobs(): Promise<Job[]> {
  const run = await consent(['jobs', '--all', '--json'], env, dir);
  if (run.status !== 0) throw new Error(`consent jobs → ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout || '[]') as Job[];
}

async function health(): Promise<{
  status: number;
  body: { status: string; checks: Record<string, string> };
}> {
  const res = await fetch(`${baseUrl}/healthz`);
  return {
    status: res.status,
    body: (await res.json()) as { status: string; checks: Record<string, string> },
  };
}

const deletesOf = (sid: string, from = 0): number =>
  emulator.requests
    .slice(from)
    .filter((r) => r.method === 'DELETE' && r.path.includes(`/Recordings/${sid}.json`)).length;

test(`S3, Twilio's REST API and the CRM down while calls run (${testEngine}): every clip stored once, each recording deleted once after its clip, each receipt and CRM event delivered once`, async () => {
  // Everything outside goes at once: S3's port refuses, Twilio fails, the CRM refuses connections.
  await s3.down();
  emulator.faults = { rest: 503, media: '500' };
  await crm.down();
  const early = await Promise.all([call(['1', '1', '1']), call(['1', '2', '2']), call(['2'])]);
  // Each clip job has met the outage, and /healthz says the store is gone while calls are taken.
  await until("both consenting calls' clip jobs to have failed", async () => {
    const clipJobs = (await jobs()).filter((j) => j.kind === 'process_recording');
    // The refusing caller's job keeps nothing and needs neither: it is done at once.
    return clipJobs.filter((j) => j.status === 'pending' && j.last_error).length === 2 ? true : undefined;
  });
  const degraded = await until('/healthz to say the clip store is unreachable', async () => {
    const h = await health();
    return /unreachable/.test(h.body.checks.clipStore ?? '') ? h : undefined;
  });
  expect({ status: degraded.status, health: degraded.body.status }).toEqual({
    status: 200,
    health: 'degraded',
  });

  // Twilio's media is back, its REST API and S3 are not; the CRM is up but answers 500.
  emulator.faults = { rest: 503 };
  crm.mode = { status: 500 };
  await crm.up();
  const middle = await call(['1', '1', '2']);
  await until('a clip job to fail on S3 after its download', async () => {
    const clipJobs = (await jobs()).filter((j) => j.kind === 'process_recording');
    return clipJobs.some((j) => /ECONNREFUSED|S3|connect/i.test(j.last_error ?? '')) ? true : undefined;
  });
  const consenting = [...early.slice(0, 2), middle];
  // No clip is stored yet, so no recording of a consenting call may have been deleted (or tried).
  expect(
    consenting.flatMap((c) =>
      [...emulator.recordings.values()].filter((r) => r.callSid === c.callSid && deletesOf(r.sid) > 0),
    ),
  ).toEqual([]);

  // Everything is back.
  await s3.up();
  const recovered = emulator.requests.length;
  emulator.faults = {};
  crm.mode = { status: 204 };
  const all = [...early, middle];
  await until(
    'the outbox to drain and Twilio to hold no recording',
    async () => {
      await emulator.settle();
      const open = (await jobs()).filter(
        (j) => ['pending', 'running'].includes(j.status) && !/sweep|retention/.test(j.kind),
      );
      const kept = [...emulator.recordings.values()].filter((r) => r.status !== 'deleted');
      return open.length === 0 && kept.length === 0 ? true : undefined;
    },
    150_000,
  );
  expect(all.flatMap((c) => c.errors)).toEqual([]);

  // Each consenting call's clip is one object, PUT once; each recording deleted once, after its clip.
  const puts = [...s3.puts].filter(([k]) => !k.startsWith('checkpoints/'));
  expect(puts.map(([, n]) => n)).toEqual([1, 1, 1]);
  for (const c of all) {
    const run = await consent(['call', c.callSid, '--json'], env, dir);
    const r = JSON.parse(run.stdout) as { clip: { status: string }; events: Array<{ type: string }> };
    const types = r.events.map((e) => e.type);
    if (consenting.includes(c)) {
      expect({ clip: r.clip.status, stored: types.filter((t) => t === 'clip_stored').length }).toEqual({
        clip: 'stored',
        stored: 1,
      });
      expect(types.indexOf('clip_stored')).toBeLessThan(types.indexOf('recording_deleted'));
    }
  }
  const recordings = [...emulator.recordings.values()];
  expect(recordings).toHaveLength(4);
  expect(recordings.map((r) => deletesOf(r.sid, recovered))).toEqual([1, 1, 1, 1]);

  // One receipt per consenting caller, though Twilio refused the first tries.
  const receipts = emulator.messages.map((m) => m.to).sort();
  expect(receipts).toEqual(consenting.map((c) => c.params.From).sort());

  // The CRM: refused or 500 first, then each event acknowledged once and never sent after its 2xx.
  const byId = new Map<string, Array<number | 'hung'>>();
  for (const w of crm.received) {
    const id = w.headers['webhook-id'] ?? '';
    byId.set(id, [...(byId.get(id) ?? []), w.answered]);
  }
  expect(
    [...byId.values()].filter(
      (answers) => answers[answers.length - 1] !== 204 || answers.filter((a) => a === 204).length !== 1,
    ),
  ).toEqual([]);
  expect([...byId.values()].some((answers) => answers.includes(500))).toBe(true);
  expect(byId.size).toBeGreaterThanOrEqual(consenting.length + 1);

  const after = await health();
  expect({ status: after.status, health: after.body.status, store: after.body.checks.clipStore }).toEqual({
    status: 200,
    health: 'ok',
    store: 's3',
  });
  const verify = await consent(['verify'], env, dir);
  expect({ status: verify.status, stderr: verify.stderr }).toEqual({ status: 0, stderr: '' });
}, 200_000);
