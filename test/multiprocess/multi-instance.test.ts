import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import crypto from 'node:crypto';
import { startRoundRobinProxy, type RoundRobinProxy } from '../support/round-robin-proxy';
import { testDatabaseEnv, testEngine } from '../support/test-database';
import { TwilioEmulator, type EmulatedCall } from '../support/twilio-emulator';
import {
  consent,
  freePort,
  startAssistant,
  startCountingS3,
  startServer,
  type ServerProcess,
} from './processes';

/**
 * The production shape for several instances: three server processes on one ledger (PostgreSQL
 * with TEST_DATABASE_URL set, else one SQLite file) behind a round-robin proxy that sends every
 * request to the next instance, s3rver and the Twilio emulator on loopback. 30 calls of every kind
 * at once; mid-wave one instance is killed with SIGKILL. Calls with a webhook on that instance at
 * that moment may end as Twilio ends a call whose webhook failed; every other call must end as
 * its caller meant, and for every call, clips are stored exactly once and Twilio's recordings are
 * deleted exactly once (the dead instance's claimed jobs are done by the others after the lease).
 */
const ACCOUNT_SID = `AC${'d4'.repeat(16)}`;
const AUTH_TOKEN = 'multi-instance-auth-token-0123456789';
const KEYS = `k1:${Buffer.alloc(32, 11).toString('base64')}`;
const BUCKET = 'clips';
const INSTANCES = 3;
const VICTIM = 1;
/** The German text of the fail-safe answer (locales/de/prompts.json "error"). */
const FAIL_SAFE_TEXT = 'technisches Problem';

type Kind =
  'consent' | 'speech' | 'info' | 'decline' | 'hangup' | 'human' | 'silence' | 'minor' | 'withdraw-first';
type Placed = { kind: Kind | 'withdraw-call'; call: EmulatedCall; broken?: string };
const PLAN: Array<[Kind, number]> = [
  ['consent', 7],
  ['speech', 4],
  ['info', 3],
  ['decline', 4],
  ['hangup', 3],
  ['human', 2],
  ['silence', 2],
  ['minor', 2],
  ['withdraw-first', 3],
];
/** The event a call's ledger must hold once it ended as the caller meant. */
const EXPECTED: Record<Placed['kind'], string> = {
  consent: 'granted',
  speech: 'granted',
  info: 'granted',
  'withdraw-first': 'granted',
  decline: 'declined',
  hangup: 'abandoned',
  human: 'handover',
  silence: 'handover',
  minor: 'handover',
  'withdraw-call': 'withdrawn',
};

let dir: string;
let s3: Awaited<ReturnType<typeof startCountingS3>>;
let assistant: Awaited<ReturnType<typeof startAssistant>>;
let emulator: TwilioEmulator;
let proxy: RoundRobinProxy;
let env: NodeJS.ProcessEnv;
let ports: number[];
const servers: ServerProcess[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'multi-instance-'));
  s3 = await startCountingS3(path.join(dir, 's3'), BUCKET);
  assistant = await startAssistant();
  ports = [];
  for (let i = 0; i < INSTANCES; i++) ports.push(await freePort());
  proxy = await startRoundRobinProxy({
    upstreams: ports.map((p) => `http://127.0.0.1:${p}`),
    recordBodies: true,
  });
  emulator = await TwilioEmulator.start({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    appBaseUrl: proxy.url,
  });
  env = {
    PATH: process.env.PATH,
    NODE_ENV: 'development',
    // Twilio signs the public URL: every instance validates against the proxy's.
    PUBLIC_BASE_URL: proxy.url,
    TRUST_PROXY_HOPS: '1',
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
    FFMPEG_PATH: '/usr/bin/ffmpeg',
    JOB_LEASE_SECONDS: '30',
    // A callback in flight to the killed instance is lost (Twilio does not retry); the restarted
    // instance's sweep must find its recording without waiting the production ten minutes.
    TWILIO_SWEEP_GRACE_SECONDS: '5',
    LOG_LEVEL: 'warn',
    NODE_NO_WARNINGS: '1',
  };
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await emulator?.close();
  await proxy?.close();
  await assistant?.close();
  await s3?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

test(`three instances started at the same moment on an empty ${testEngine} ledger all come up and share it`, async () => {
  const started = await Promise.all(
    ports.map((port) => startServer({ ...env, PORT: String(port) }, `http://127.0.0.1:${port}`, dir)),
  );
  servers.push(...started);
  const health = await Promise.all(
    ports.map((p) => fetch(`http://127.0.0.1:${p}/healthz`).then((r) => r.status)),
  );
  expect(health).toEqual([200, 200, 200]);
  expect(started.flatMap((s) => s.lines.filter((l) => /"level":(50|60)/.test(l)))).toEqual([]);
  const verify = await consent(['verify'], env, dir);
  expect({ status: verify.status, stderr: verify.stderr }).toEqual({ status: 0, stderr: '' });
}, 90_000);

const think = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 500));
const number = (i: number): string => `+49151${String(5_000_000 + i).padStart(8, '0')}`;

async function script(p: Placed): Promise<void> {
  const { call } = p;
  const press = async (d: string): Promise<void> => (await think(), call.press(d));
  const say = async (w: string, c: number): Promise<void> => (await think(), call.say(w, c));
  await think();
  await call.start();
  const steps: Record<Placed['kind'], () => Promise<void>> = {
    consent: async () => (await press('1'), await press('1'), await press('2')),
    'withdraw-first': async () => (await press('1'), await press('2'), await press('2')),
    speech: async () => (await say('ja gerne', 0.93), await say('nein danke', 0.9), await say('ja', 0.91)),
    info: async () => (await press('9'), await press('1'), await press('2'), await press('1')),
    decline: () => press('2'),
    hangup: think,
    human: () => say('ich möchte mit einem Menschen sprechen', 0.92),
    silence: async () => (await think(), await call.silence(), await think(), await call.silence()),
    minor: () => press('7'),
    'withdraw-call': () => press('0'),
  };
  await steps[p.kind]();
  await call.hangup();
}

async function play(p: Placed): Promise<void> {
  try {
    await script(p);
  } catch (error) {
    p.broken = `${p.kind}: ${(error as Error).message}`;
    await p.call.hangup().catch(() => undefined);
  }
}

function place(kind: Placed['kind'], from: string): Placed {
  return {
    kind,
    call: emulator.placeCall({ from, to: '+4930123456', fromCountry: 'DE', recordingSeconds: 20 }),
  };
}

// A whisper is the agent's leg: its CallSid is the child's, the caller's call is its ParentCallSid.
const callSidOf = (body: string | undefined): string | null => {
  const params = new URLSearchParams(body ?? '');
  return params.get('ParentCallSid') ?? params.get('CallSid');
};

interface Report {
  outcome: string | null;
  clip: { status: string; storedCiphertextSha256?: string };
  events: Array<{ type: string }>;
}
async function report(sid: string): Promise<Report> {
  const run = await consent(['call', sid, '--json'], env, dir);
  if (run.status !== 0) throw new Error(`consent call ${sid} → ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout) as Report;
}

async function quiet(exempt: Set<string>): Promise<void> {
  const deadline = Date.now() + 150_000;
  for (;;) {
    await emulator.settle();
    const jobs = await consent(['jobs', '--json'], env, dir);
    const open =
      jobs.status === 0
        ? (JSON.parse(jobs.stdout || '[]') as Array<{ kind: string; status: string }>).filter(
            (j) => ['pending', 'running'].includes(j.status) && /recording|clip/.test(j.kind),
          )
        : [{ kind: `consent jobs exited ${jobs.status}: ${jobs.stderr.trim()}`, status: 'unknown' }];
    const kept = [...emulator.recordings.values()].filter((r) => r.status !== 'deleted');
    if (open.length === 0 && kept.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `still busy: ${JSON.stringify(open)}, recordings kept: ${JSON.stringify(
          kept.map((r) => ({ sid: r.sid, call: r.callSid, exempt: exempt.has(r.callSid), status: r.status })),
        )}; the instances said:\n` +
          servers
            .flatMap((x) => x.lines.filter((l) => /"level":(40|50|60)/.test(l)))
            .slice(-20)
            .join('\n'),
      );
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/**
 * As an orchestrator would, the killed instance is started again once the wave is over. Its start
 * sweep (recordings older than the grace) is what finds a recording whose callback died with it.
 */
async function restartVictim(): Promise<void> {
  await emulator.settle();
  await new Promise((resolve) => setTimeout(resolve, 6_000));
  const port = ports[VICTIM];
  if (port === undefined) throw new Error('no victim port');
  servers[VICTIM] = await startServer({ ...env, PORT: String(port) }, `http://127.0.0.1:${port}`, dir);
}

test('30 calls of every kind across three instances, one killed mid-wave: the calls it was not serving end as meant, clips stored and recordings deleted exactly once, the chain verifies', async () => {
  expect(servers).toHaveLength(INSTANCES);
  const placed: Placed[] = [];
  const scripts: Array<Promise<void>> = [];
  let n = 0;
  for (const [kind, count] of PLAN)
    for (let i = 0; i < count; i++) {
      const from = number(n++);
      const p = place(kind, from);
      placed.push(p);
      scripts.push(
        play(p).then(async () => {
          if (kind !== 'withdraw-first') return;
          const again = place('withdraw-call', from);
          placed.push(again);
          await play(again);
        }),
      );
    }

  // Mid-wave: SIGKILL, and in the same tick (the proxy runs in this process) what it was serving.
  const exempt = new Set<string>();
  const victim = servers[VICTIM];
  if (!victim) throw new Error('no victim');
  const killed = (async () => {
    // Mid-wave, at a moment the victim serves few requests: on a loaded machine it may hold many,
    // and every call it holds is exempt from the checks below (within 15 s of waiting, any moment).
    while (proxy.requests.length < 60) await new Promise((resolve) => setTimeout(resolve, 20));
    const patience = Date.now() + 15_000;
    while (proxy.inFlight().filter((r) => r.upstream === VICTIM).length > 2 && Date.now() < patience)
      await new Promise((resolve) => setTimeout(resolve, 5));
    victim.child.kill('SIGKILL');
    for (const r of proxy.inFlight())
      if (r.upstream === VICTIM || r.upstream === -1) exempt.add(callSidOf(r.body) ?? '');
    await new Promise((resolve) => victim.child.once('exit', resolve));
  })();
  await Promise.all([...scripts, killed]);
  // A request the dying instance took after that tick (it had accepted the connection) failed too.
  for (const r of proxy.requests)
    if (r.upstream === VICTIM && r.status >= 500) exempt.add(callSidOf(r.body) ?? '');
  await restartVictim();
  await quiet(exempt);

  expect(placed).toHaveLength(33);
  const live = placed.filter((p) => !exempt.has(p.call.callSid));
  // Requests the dying instance still accepted fail too, more of them the busier the machine: a
  // quarter of the calls is the least that keeps the checks below meaningful.
  expect(live.length).toBeGreaterThanOrEqual(placed.length / 4);

  // The proxy spread each call over the instances: consecutive webhooks of a call switch instance
  // about 2 in 3 times while three are up, 1 in 2 after the kill (a call's own order plays no part).
  const byCall = new Map<string, number[]>();
  for (const r of proxy.requests) {
    const sid = callSidOf(r.body);
    if (sid && r.upstream >= 0) byCall.set(sid, [...(byCall.get(sid) ?? []), r.upstream]);
  }
  const pairs = [...byCall.values()].flatMap((u) => u.slice(1).map((x, i) => x !== u[i]));
  expect(pairs.length).toBeGreaterThan(100);
  expect(pairs.filter(Boolean).length / pairs.length).toBeGreaterThan(0.4);
  expect([...byCall.values()].filter((u) => new Set(u).size > 1).length).toBeGreaterThan(25);
  expect(proxy.requests.some((r) => r.upstream === VICTIM)).toBe(true);

  // Every call not on the killed instance at the kill: no failed webhook, no error, ended as meant.
  const failed = emulator.webhooks.filter(
    (w) =>
      !exempt.has(w.callSid ?? '') && (w.status === 0 || w.status >= 400 || w.body.includes(FAIL_SAFE_TEXT)),
  );
  expect(failed.map((w) => `${w.kind} ${new URL(w.url).pathname} ${w.status}`)).toEqual([]);
  expect(live.flatMap((p) => [...p.call.errors, ...(p.broken ? [p.broken] : [])])).toEqual([]);
  const reports = new Map<string, Report>();
  for (const p of placed) {
    // A call whose first webhook died with the killed instance never reached the ledger: unknown
    // to `consent call` (exit 4) is then the right answer. Every other call must be known.
    if (exempt.has(p.call.callSid)) {
      const run = await consent(['call', p.call.callSid, '--json'], env, dir);
      if (run.status === 4) continue;
      if (run.status !== 0) throw new Error(`consent call ${p.call.callSid} → ${run.status}: ${run.stderr}`);
      reports.set(p.call.callSid, JSON.parse(run.stdout) as Report);
    } else reports.set(p.call.callSid, await report(p.call.callSid));
  }
  for (const p of live) {
    const types = reports.get(p.call.callSid)?.events.map((e) => e.type) ?? [];
    const once = (t: string): number => types.filter((x) => x === t).length;
    expect({
      kind: p.kind,
      started: once('call_started'),
      ended: once('call_ended'),
      has: types.includes(EXPECTED[p.kind]),
    }).toEqual({ kind: p.kind, started: 1, ended: 1, has: true });
  }

  // Every clip of a granted call is one object, PUT once, and it is the ciphertext the ledger names.
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: s3.credentials,
  });
  const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  const clipKeys = (listed.Contents ?? [])
    .map((o) => o.Key ?? '')
    .filter((k) => !k.startsWith('checkpoints/'));
  const hashes = new Set<string>();
  for (const Key of clipKeys) {
    const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
    hashes.add(
      crypto
        .createHash('sha256')
        .update(await object.Body!.transformToByteArray())
        .digest('hex'),
    );
  }
  client.destroy();
  const puts = [...s3.puts].filter(([k]) => !k.startsWith('checkpoints/'));
  expect(puts.filter(([, count]) => count !== 1)).toEqual([]);
  const granted = placed.filter((p) => reports.get(p.call.callSid)?.events.some((e) => e.type === 'granted'));
  expect(granted.length).toBeGreaterThanOrEqual(live.filter((p) => EXPECTED[p.kind] === 'granted').length);
  for (const p of granted) {
    const r = reports.get(p.call.callSid);
    const storedEvents = r?.events.filter((e) => e.type === 'clip_stored').length;
    if (p.kind === 'withdraw-first') {
      expect({ sid: p.call.callSid, clip: r?.clip.status }).toEqual({ sid: p.call.callSid, clip: 'deleted' });
      expect(storedEvents).toBeLessThanOrEqual(1);
      continue;
    }
    expect({
      kind: p.kind,
      clip: r?.clip.status,
      storedEvents,
      inBucket: hashes.has(r?.clip.storedCiphertextSha256 ?? ''),
    }).toEqual({ kind: p.kind, clip: 'stored', storedEvents: 1, inBucket: true });
  }
  expect(clipKeys.length).toBe(granted.filter((p) => p.kind !== 'withdraw-first').length);

  // Every recording Twilio made, on any instance, dead or alive, was deleted there exactly once.
  const deletesOf = (sid: string): number =>
    emulator.requests.filter((r) => r.method === 'DELETE' && r.path.includes(`/Recordings/${sid}.json`))
      .length;
  const recordings = [...emulator.recordings.values()];
  expect(recordings.length).toBeGreaterThanOrEqual(placed.length - exempt.size);
  expect(
    recordings
      .filter((r) => r.status !== 'deleted' || deletesOf(r.sid) !== 1)
      .map((r) => `${r.sid} ×${deletesOf(r.sid)}`),
  ).toEqual([]);

  const verify = await consent(['verify'], env, dir);
  expect({ status: verify.status, stderr: verify.stderr }).toEqual({ status: 0, stderr: '' });
}, 400_000);
