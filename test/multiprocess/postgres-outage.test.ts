import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { startFreezableProxy, type FreezableProxy } from '../support/freezable-proxy';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres';
import { parseTwiml } from '../../src/twiml/parse';
import { TwilioEmulator, type EmulatedCall, type WebhookExchange } from '../support/twilio-emulator';
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
 * The PostgreSQL instance under the service goes away while calls run, as a database
 * administrator or a cloud outage makes it go: `pg_ctl restart -m fast`, a stop of several seconds
 * and a start, every session of the service ended with pg_terminate_backend. The cluster is the
 * test's own (initdb under a temp dir), the service its real process (`node dist/src/main.js`).
 *
 * The standard: a voice webhook never answers 5xx or hangs past Twilio's 15 s; while the ledger
 * is gone it answers fail-safe TwiML (the recording stopped, the caller put through to a human).
 * Afterwards, without a restart of the service, new calls are served as meant, /healthz is
 * honest (not 200 while the ledger is gone, 200 again after), the job runner and the checkpoints
 * carry on, the chain verifies, and for every consent that was committed its clip is stored once,
 * Twilio's recording deleted once after that, and the CRM told once.
 */
const ACCOUNT_SID = `AC${'e5'.repeat(16)}`;
const AUTH_TOKEN = 'postgres-outage-auth-token-0123456789';
const KEYS = `k1:${Buffer.alloc(32, 13).toString('base64')}`;
const SECRET = `whsec_${crypto.randomBytes(32).toString('base64')}`;
const BUCKET = 'clips';
const HUMAN = '+4930111222';
/** The German text of the fail-safe answer (locales/de/prompts.json "error"). */
const FAIL_SAFE_TEXT = 'technisches Problem';
/** Twilio gives up on a webhook after 15 s. */
const TWILIO_TIMEOUT_MS = 15_000;
/** The service names its PostgreSQL sessions so (src/ledger/postgres/pg-thread.ts). */
const APPLICATION = 'consent-gateway';

let dir: string;
let pg: PrivatePostgres;
/** Between the service and PostgreSQL: a network that can stop moving bytes. */
let network: FreezableProxy;
let s3: Awaited<ReturnType<typeof startCountingS3>>;
let assistant: Awaited<ReturnType<typeof startAssistant>>;
let crm: WebhookReceiver;
let emulator: TwilioEmulator;
let server: ServerProcess;
let env: NodeJS.ProcessEnv;
let baseUrl: string;
let numbers = 0;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-outage-'));
  pg = await startPrivatePostgres(await freePort());
  network = await startFreezableProxy(pg.port);
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
    DATABASE_URL: pg.url.replace(`:${pg.port}/`, `:${network.port}/`),
    DATABASE_PATH: path.join(dir, 'unused.db'),
    CONSENT_KEYS: KEYS,
    S3_BUCKET: BUCKET,
    S3_ENDPOINT: s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    S3_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    HUMAN_AGENT_NUMBER: HUMAN,
    ASSISTANT_URL: assistant.url,
    CRM_WEBHOOK_URL: crm.url,
    CRM_WEBHOOK_SECRET: SECRET,
    FFMPEG_PATH: '/usr/bin/ffmpeg',
    CHECKPOINT_SECONDS: '2',
    JOB_LEASE_SECONDS: '30',
    // A callback answered 503 while the ledger was gone is not retried by Twilio: the sweep finds it.
    TWILIO_SWEEP_GRACE_SECONDS: '5',
    LOG_LEVEL: 'warn',
    NODE_NO_WARNINGS: '1',
  };
  server = await startServer(env, baseUrl, dir);
}, 90_000);

afterAll(async () => {
  await server?.stop();
  await emulator?.close();
  await crm?.down();
  await assistant?.close();
  await s3?.close();
  await network?.close();
  await pg?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const think = (): Promise<void> => sleep(100 + Math.random() * 400);

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** A caller who consents to every question (1, 1, 1) and hangs up; cut short by a fail-safe answer. */
async function consentingCall(): Promise<EmulatedCall> {
  const from = `+49151${String(7_000_000 + numbers++).padStart(8, '0')}`;
  const call = emulator.placeCall({ from, to: '+4930123456', fromCountry: 'DE', recordingSeconds: 20 });
  await call.start();
  for (const digit of ['1', '1', '1']) {
    if (!call.awaitingInput) break;
    await think();
    await call.press(digit);
  }
  await call.hangup();
  return call;
}

const voiceWebhooks = (calls: EmulatedCall[]): WebhookExchange[] => {
  const sids = new Set(calls.map((c) => c.callSid));
  return emulator.webhooks.filter((w) => w.kind === 'twiml' && sids.has(w.callSid ?? ''));
};

/** What a fail-safe answer must do: stop the recording, then put the caller through to the human team. */
function failSafeShape(w: WebhookExchange): string[] {
  return parseTwiml(w.body).children.flatMap((v) => {
    if (v.name === 'Stop') return v.children.map((c) => `Stop ${c.name}`);
    if (v.name === 'Dial') return [`Dial ${v.children[0]?.text ?? ''}`];
    return [];
  });
}

interface Report {
  outcome: string | null;
  consentId: string | null;
  clip: { status: string };
  events: Array<{ type: string }>;
}

async function report(sid: string): Promise<Report | null> {
  const run = await consent(['call', sid, '--json'], env, dir);
  if (run.status === 4) return null;
  if (run.status !== 0) throw new Error(`consent call ${sid} → ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout) as Report;
}

/** Every call as the caller meant it, the webhooks answered in time, none with an error. */
function expectServed(calls: EmulatedCall[]): void {
  const hooks = voiceWebhooks(calls);
  expect(hooks.filter((w) => w.status !== 200 || w.ms >= TWILIO_TIMEOUT_MS).map(shown)).toEqual([]);
  expect(calls.flatMap((c) => c.errors)).toEqual([]);
}

const shown = (w: WebhookExchange): string => `${new URL(w.url).pathname} ${w.status} ${w.ms} ms`;

/** Two new calls once the database is back: served as meant, none of their answers fail-safe. */
async function servedAgain(): Promise<EmulatedCall[]> {
  const after = await Promise.all([1, 2].map(() => consentingCall()));
  expectServed(after);
  expect(
    voiceWebhooks(after)
      .filter((w) => w.body.includes(FAIL_SAFE_TEXT))
      .map(shown),
  ).toEqual([]);
  return after;
}

/** Jobs all done, Twilio holding no recording: what "nothing lost" is checked against. */
async function quiet(): Promise<void> {
  let last = '';
  await until(
    'the outbox to drain and every recording at Twilio to be deleted',
    async () => {
      await emulator.settle();
      const jobs = await consent(['jobs', '--json'], env, dir);
      if (jobs.status !== 0) return undefined;
      const open = (JSON.parse(jobs.stdout || '[]') as Array<{ kind: string; status: string }>).filter(
        (j) => ['pending', 'running'].includes(j.status) && !/sweep|retention/.test(j.kind),
      );
      const kept = [...emulator.recordings.values()].filter((r) => r.status !== 'deleted');
      last = JSON.stringify({ open, kept: kept.map((r) => [r.sid, r.status]) });
      return open.length === 0 && kept.length === 0 ? true : undefined;
    },
    60_000,
  ).catch((error: Error) => {
    throw new Error(
      `${error.message}: ${last}; the server said:\n${server.lines
        .filter((l) => /"level":(40|50|60)/.test(l))
        .slice(-6)
        .map((l) => l.slice(0, 400))
        .join('\n')}`,
    );
  });
}

/**
 * For every call: a committed consent has its clip stored (one PUT), Twilio's recording of every
 * call is deleted exactly once and after the clip was stored, each CRM event reached the CRM once
 * with a 2xx; the chain verifies and a checkpoint covers the whole log.
 */
async function expectNothingLost(calls: EmulatedCall[]): Promise<{ granted: number; failSafe: number }> {
  await quiet();
  let granted = 0;
  let failSafe = 0;
  for (const call of calls) {
    const r = await report(call.callSid);
    const types = r?.events.map((e) => e.type) ?? [];
    if (types.includes('granted')) {
      granted += 1;
      expect({
        sid: call.callSid,
        clip: r?.clip.status,
        stored: types.filter((t) => t === 'clip_stored').length,
      }).toEqual({ sid: call.callSid, clip: 'stored', stored: 1 });
      expect(types.indexOf('clip_stored')).toBeLessThan(types.lastIndexOf('recording_deleted'));
    }
    if (voiceWebhooks([call]).some((w) => w.body.includes(FAIL_SAFE_TEXT))) failSafe += 1;
  }
  const puts = [...s3.puts].filter(([k]) => !k.startsWith('checkpoints/'));
  expect(puts.filter(([, n]) => n !== 1)).toEqual([]);
  const deletes = (sid: string): number =>
    emulator.requests.filter((q) => q.method === 'DELETE' && q.path.includes(`/Recordings/${sid}.json`))
      .length;
  expect([...emulator.recordings.values()].filter((r) => deletes(r.sid) !== 1).map((r) => r.sid)).toEqual([]);
  // The CRM heard each event once with a 2xx, and nothing again after it.
  const acknowledged = new Map<string, number>();
  for (const w of crm.received)
    if (typeof w.answered === 'number' && w.answered < 300) {
      const id = w.headers['webhook-id'] ?? '';
      acknowledged.set(id, (acknowledged.get(id) ?? 0) + 1);
    }
  expect([...acknowledged].filter(([, n]) => n !== 1)).toEqual([]);
  const grantedEvents = crm.received.filter((w) => JSON.parse(w.body).type === 'consent.granted');
  expect(new Set(grantedEvents.map((w) => w.headers['webhook-id'])).size).toBeGreaterThanOrEqual(granted);
  const verify = await consent(['verify'], env, dir);
  expect({ status: verify.status, stderr: verify.stderr }).toEqual({ status: 0, stderr: '' });
  const events = await pg.count('SELECT count(*) FROM events');
  await until('a checkpoint covering every event', async () => {
    const text = await (await fetch(`${baseUrl}/ledger/checkpoint`)).text();
    return Number(text.split('\n')[1]) >= events ? true : undefined;
  });
  return { granted, failSafe };
}

async function health(): Promise<{ status: number; body: string }> {
  const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(TWILIO_TIMEOUT_MS) });
  return { status: res.status, body: await res.text() };
}

test('calls served before the outage are whole: a baseline on the private cluster', async () => {
  const calls = await Promise.all([1, 2, 3].map(() => consentingCall()));
  expectServed(calls);
  expect(voiceWebhooks(calls).filter((w) => w.body.includes(FAIL_SAFE_TEXT))).toEqual([]);
  expect(await expectNothingLost(calls)).toEqual({ granted: 3, failSafe: 0 });
}, 90_000);

test('pg_ctl restart -m fast while 10 calls are in flight: no webhook fails or hangs, the calls cut short go to a human, nothing committed is lost', async () => {
  const answeredBefore = emulator.webhooks.length;
  const calls: Array<Promise<EmulatedCall>> = [];
  for (let i = 0; i < 10; i++) calls.push(sleep(i * 150).then(consentingCall));
  await until('calls in flight', async () =>
    emulator.webhooks.length > answeredBefore + 12 ? true : undefined,
  );
  const restarted = Date.now();
  await pg.restart();
  const restartMs = Date.now() - restarted;
  const done = await Promise.all(calls);
  expectServed(done);
  for (const w of voiceWebhooks(done).filter((x) => x.body.includes(FAIL_SAFE_TEXT)))
    expect(failSafeShape(w)).toEqual(['Stop Recording', `Dial ${HUMAN}`]);
  // Without a restart of the service, the next calls are served as meant.
  const after = await servedAgain();
  const outcome = await expectNothingLost([...done, ...after]);
  expect(outcome.granted).toBeGreaterThanOrEqual(2);
  console.log(`restart: ${restartMs} ms, ${JSON.stringify(outcome)}`);
}, 180_000);

test('PostgreSQL stopped for several seconds: every webhook meanwhile answers fail-safe TwiML at once, /healthz says so, and after the start calls are served again', async () => {
  const inFlight: Array<Promise<EmulatedCall>> = [];
  for (let i = 0; i < 4; i++) inFlight.push(sleep(i * 200).then(consentingCall));
  await sleep(600);
  await pg.stop();
  const stoppedAt = Date.now();
  // New calls while the database is down: each is answered, fail-safe, well within Twilio's timeout.
  const during = await Promise.all([1, 2, 3].map(() => consentingCall()));
  const healthDuring = await health();
  await sleep(Math.max(0, 5_000 - (Date.now() - stoppedAt)));
  await pg.start();
  const startedAt = Date.now();
  const healthy = await until('/healthz 200 after the start', async () =>
    (await health()).status === 200 ? Date.now() : undefined,
  );
  const firstIn = await Promise.all(inFlight);
  expectServed([...firstIn, ...during]);
  for (const call of during) {
    const hooks = voiceWebhooks([call]);
    expect(hooks.map((w) => w.body.includes(FAIL_SAFE_TEXT))).toEqual([true]);
    expect(failSafeShape(hooks[0]!)).toEqual(['Stop Recording', `Dial ${HUMAN}`]);
  }
  expect(healthDuring.status).toBe(503);
  expect(JSON.parse(healthDuring.body)).toMatchObject({ status: 'degraded' });
  expect(JSON.parse(healthDuring.body).ledger).toMatch(/^unavailable: /);
  const after = await servedAgain();
  const outcome = await expectNothingLost([...firstIn, ...during, ...after]);
  console.log(
    `stop: healthz 200 ${healthy - startedAt} ms after the start; during: ${JSON.stringify(voiceWebhooks(during).map((w) => w.ms))} ms; ${JSON.stringify(outcome)}`,
  );
}, 180_000);

test("pg_terminate_backend on the service's sessions, again and again while calls run: no webhook fails, nothing committed is lost", async () => {
  const calls: Array<Promise<EmulatedCall>> = [];
  for (let i = 0; i < 8; i++) calls.push(sleep(i * 200).then(consentingCall));
  let ended = 0;
  let running = true;
  const killer = (async () => {
    while (running) {
      ended += await pg.terminate(APPLICATION).catch(() => 0);
      await sleep(300 + Math.random() * 300);
    }
  })();
  const done = await Promise.all(calls);
  running = false;
  await killer;
  expect(ended).toBeGreaterThan(3);
  expectServed(done);
  for (const w of voiceWebhooks(done).filter((x) => x.body.includes(FAIL_SAFE_TEXT)))
    expect(failSafeShape(w)).toEqual(['Stop Recording', `Dial ${HUMAN}`]);
  const after = await servedAgain();
  const outcome = await expectNothingLost([...done, ...after]);
  console.log(`terminate: ${ended} sessions ended; ${JSON.stringify(outcome)}`);
}, 180_000);

test('the CRM answers 2xx while PostgreSQL is stopped: the delivery is recorded once the database is back, and never sent again', async () => {
  const before = crm.received.length;
  let restarted: Promise<void> | null = null;
  crm.beforeAnswer = async () => {
    crm.beforeAnswer = null;
    // The database goes while the CRM takes the event; it answers 2xx only after that.
    await pg.stop();
    restarted = sleep(3_000).then(() => pg.start());
  };
  try {
    const call = await consentingCall();
    await until('the CRM to be reached', async () => (restarted ? true : undefined));
    await restarted;
    expectServed([call]);
    const outcome = await expectNothingLost([call]);
    expect(crm.received.length).toBeGreaterThan(before);
    console.log(`crm: ${JSON.stringify(outcome)}, ${crm.received.length - before} deliveries`);
  } finally {
    crm.beforeAnswer = null;
  }
}, 120_000);

test("the network to PostgreSQL stops moving bytes for 20 s (nothing refused, nothing reset): webhooks still answer within Twilio's 15 s, fail-safe, and calls are served again once it moves", async () => {
  const inFlight: Array<Promise<EmulatedCall>> = [];
  for (let i = 0; i < 3; i++) inFlight.push(sleep(i * 200).then(consentingCall));
  await sleep(500);
  network.freeze();
  const frozenAt = Date.now();
  const during = await Promise.all([1, 2].map(() => consentingCall()));
  const healthDuring = await health().catch((error: Error) => ({ status: 0, body: error.message }));
  await sleep(Math.max(0, 20_000 - (Date.now() - frozenAt)));
  network.thaw();
  const firstIn = await Promise.all(inFlight);
  expectServed([...firstIn, ...during]);
  for (const call of during)
    expect(voiceWebhooks([call]).map((w) => w.body.includes(FAIL_SAFE_TEXT))).toEqual([true]);
  expect(healthDuring.status).toBe(503);
  await until('/healthz 200 after the network moves again', async () =>
    (await health()).status === 200 ? true : undefined,
  );
  const after = await servedAgain();
  const outcome = await expectNothingLost([...firstIn, ...during, ...after]);
  const ms = voiceWebhooks(during).map((w) => w.ms);
  console.log(`freeze: during ${JSON.stringify(ms)} ms; ${JSON.stringify(outcome)}`);
}, 180_000);
