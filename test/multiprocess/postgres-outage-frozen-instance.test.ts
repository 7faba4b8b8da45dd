import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WRITE_LOCK } from '../../src/ledger/postgres/pg-db';
import { SERVING_IDLE_IN_TRANSACTION_MS, SyncPgClient } from '../../src/ledger/postgres/sync-client';
import { freshPostgresDatabase, TEST_DATABASE_URL } from '../support/test-database';
import { TwilioEmulator, type EmulatedCall, type WebhookExchange } from '../support/twilio-emulator';
import { consent, freePort, startCountingS3, startServer, type ServerProcess } from './processes';

/**
 * Two instances on one PostgreSQL ledger; instance A is frozen (SIGSTOP, as a paused VM or a
 * partitioned host looks to the database: its connection stays open, nothing more arrives) while
 * its write transaction holds the ledger's append lock. The kernel keeps A's sockets alive, so
 * without a limit on the server's side PostgreSQL never ends that session and every write of
 * instance B waits on the lock: B's callers all get the fail-safe answer, for as long as A sleeps.
 *
 * The standard: PostgreSQL ends A's session within SERVING_IDLE_IN_TRANSACTION_MS of its last
 * statement (and A's other session, if it was queued for the lock, as long again after that), B's webhooks are served as meant meanwhile (slower by at most that), and A, once it
 * runs again, does not take its ended transaction for committed: each of its answers is either the
 * fail-safe one or stands in the ledger, no event is doubled, and the chain verifies.
 */
const ACCOUNT_SID = `AC${'f6'.repeat(16)}`;
const AUTH_TOKEN = 'frozen-instance-auth-token-0123456789';
const KEYS = `k1:${Buffer.alloc(32, 17).toString('base64')}`;
const BUCKET = 'clips';
/** The German text of the fail-safe answer (locales/de/prompts.json "error"). */
const FAIL_SAFE_TEXT = 'technisches Problem';
/** How long A stays frozen: well past the bound. */
const FROZEN_MS = 9_000;

let dir: string;
let direct: SyncPgClient;
let s3: Awaited<ReturnType<typeof startCountingS3>>;
const emulators: TwilioEmulator[] = [];
const servers: ServerProcess[] = [];
let env: NodeJS.ProcessEnv;
let numbers = 0;

beforeAll(async () => {
  if (!TEST_DATABASE_URL) throw new Error('runs in the PostgreSQL runs only (TEST_DATABASE_URL)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-frozen-'));
  const url = freshPostgresDatabase(TEST_DATABASE_URL, 'postgres-outage-frozen-instance');
  s3 = await startCountingS3(path.join(dir, 's3'), BUCKET);
  env = {
    PATH: process.env.PATH,
    NODE_ENV: 'development',
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    DATABASE_URL: url,
    DATABASE_PATH: path.join(dir, 'unused.db'),
    CONSENT_KEYS: KEYS,
    S3_BUCKET: BUCKET,
    S3_ENDPOINT: s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    S3_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    HUMAN_AGENT_NUMBER: '+4930111222',
    FFMPEG_PATH: '/usr/bin/ffmpeg',
    LOG_LEVEL: 'warn',
    NODE_NO_WARNINGS: '1',
  };
  // One emulator per instance: each signs for the instance it calls.
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const emulator = await TwilioEmulator.start({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      appBaseUrl: baseUrl,
    });
    emulators.push(emulator);
    const own = { ...env, PORT: String(port), PUBLIC_BASE_URL: baseUrl, TWILIO_API_BASE: emulator.apiBase };
    servers.push(await startServer(own, baseUrl, dir));
  }
  direct = new SyncPgClient(url);
}, 90_000);

afterAll(async () => {
  for (const s of servers) if (s.child.exitCode === null) s.child.kill('SIGCONT');
  await Promise.all(servers.map((s) => s.stop()));
  direct?.close();
  await Promise.all(emulators.map((e) => e.close()));
  await s3?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A caller who consents to every question and hangs up. */
async function consentingCall(emulator: TwilioEmulator, think = 0): Promise<EmulatedCall> {
  const from = `+49151${String(8_000_000 + numbers++).padStart(8, '0')}`;
  const call = emulator.placeCall({ from, to: '+4930123456', fromCountry: 'DE', recordingSeconds: 20 });
  await call.start();
  for (const digit of ['1', '1', '1']) {
    if (!call.awaitingInput) break;
    if (think > 0) await sleep(think);
    await call.press(digit);
  }
  await call.hangup();
  return call;
}

const hooks = (emulator: TwilioEmulator, calls: EmulatedCall[]): WebhookExchange[] => {
  const sids = new Set(calls.map((c) => c.callSid));
  return emulator.webhooks.filter((w) => w.kind === 'twiml' && sids.has(w.callSid ?? ''));
};
const shown = (w: WebhookExchange): string =>
  `${new URL(w.url).pathname} ${w.status} ${w.ms} ms${w.body.includes(FAIL_SAFE_TEXT) ? ' fail-safe' : ''}`;

/** Sessions waiting for the ledger's write lock now. */
function lockWaiters(): number[] {
  return direct
    .query(
      `SELECT l.pid FROM pg_locks l
        WHERE l.locktype = 'advisory' AND NOT l.granted AND l.objid = $1
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [WRITE_LOCK % 2 ** 32],
      false,
    )
    .rows.map((r) => Number(r[0]));
}

/** The session holding the ledger's write lock now, how it stands and since when (ms). */
function lockHolder(): { pid: number; state: string; idleMs: number } | null {
  const row = direct.query(
    `SELECT a.pid, a.state, EXTRACT(EPOCH FROM clock_timestamp() - a.state_change) * 1000
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objid = $1
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [WRITE_LOCK % 2 ** 32],
    false,
  ).rows[0];
  return row ? { pid: Number(row[0]), state: String(row[1]), idleMs: Number(row[2]) } : null;
}

interface Report {
  outcome: string | null;
  purposes: Record<string, boolean>;
  events: Array<{ type: string }>;
}
async function report(sid: string): Promise<Report | null> {
  const run = await consent(['call', sid, '--json'], env, dir);
  if (run.status === 4) return null;
  if (run.status !== 0) throw new Error(`consent call ${sid} → ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout) as Report;
}

test('instance A frozen (SIGSTOP) inside its write transaction: PostgreSQL ends its session within the bound, B serves its calls as meant meanwhile, and A, resumed, answers fail-safe or with what it committed', async () => {
  const [onA, onB] = emulators as [TwilioEmulator, TwilioEmulator];
  const a = servers[0]!.child;
  // Load on A alone, so that its writer holds the lock much of the time.
  let loading = true;
  const callsOnA: EmulatedCall[] = [];
  const load = [1, 2, 3, 4, 5, 6].map(async () => {
    while (loading) callsOnA.push(await consentingCall(onA));
  });
  let frozen: { pids: number[]; at: number } | null = null;
  for (let attempt = 0; attempt < 40 && !frozen; attempt++) {
    await sleep(300 + Math.random() * 300);
    a.kill('SIGSTOP');
    await sleep(400);
    const holder = lockHolder();
    // Idle in a transaction for this long with the lock: only the frozen instance does that.
    if (holder && holder.state.startsWith('idle in transaction') && holder.idleMs >= 300)
      // A's other session may be queued for the lock (B is idle): it gets the lock next, in turn.
      frozen = { pids: [holder.pid, ...lockWaiters()], at: Date.now() - holder.idleMs };
    else a.kill('SIGCONT');
  }
  loading = false;
  if (!frozen) {
    a.kill('SIGCONT');
    throw new Error('A was never caught holding the write lock');
  }
  const frozenAt = Date.now();
  try {
    // B's callers meanwhile: their writes need the lock A holds.
    const onBDuring = Promise.all([1, 2, 3].map((i) => sleep(i * 300).then(() => consentingCall(onB, 200))));
    let releasedAfterMs: number | null = null;
    while (releasedAfterMs === null && Date.now() - frozen.at < 20_000) {
      const holder = lockHolder();
      if (!holder || !frozen.pids.includes(holder.pid)) releasedAfterMs = Date.now() - frozen.at;
      else await sleep(50);
    }
    const callsOnB = await onBDuring;
    const served = hooks(onB, callsOnB);
    console.log(
      `frozen A (${frozen.pids.length} of its sessions on the lock): write lock released ${releasedAfterMs ?? 'never (20 s)'} ms after A's last statement; B's webhooks meanwhile: ${served.map(shown).join(', ')}`,
    );
    expect({ releasedAfterMs: releasedAfterMs === null ? 'still held after 20 s' : 'released' }).toEqual({
      releasedAfterMs: 'released',
    });
    // Each of A's sessions holds it for the bound at most, one after the other.
    expect(releasedAfterMs).toBeLessThan(frozen.pids.length * SERVING_IDLE_IN_TRANSACTION_MS + 1_000);
    // Slower by the wait for the lock at most, never fail-safe.
    expect(
      served
        .filter(
          (w) =>
            w.status !== 200 ||
            w.body.includes(FAIL_SAFE_TEXT) ||
            w.ms > 2 * SERVING_IDLE_IN_TRANSACTION_MS + 1_000,
        )
        .map(shown),
    ).toEqual([]);
    for (const call of callsOnB) expect((await report(call.callSid))?.outcome).toBe('granted');
    await sleep(Math.max(0, FROZEN_MS - (Date.now() - frozenAt)));
  } finally {
    a.kill('SIGCONT');
  }
  await Promise.all(load);
  // A, resumed, found its connections gone; it may answer fail-safe at once while it reconnects
  // (pg-thread.ts, every 250 ms), then serves again as meant.
  const servedBy = Date.now() + 10_000;
  let after = await consentingCall(onA);
  const cutShort = (c: EmulatedCall): boolean =>
    hooks(onA, [c]).some((w) => w.status !== 200 || w.body.includes(FAIL_SAFE_TEXT));
  while (cutShort(after) && Date.now() < servedBy) {
    callsOnA.push(after);
    await sleep(250);
    after = await consentingCall(onA);
  }
  expect(
    hooks(onA, [after])
      .map(shown)
      .filter((s) => !/ 200 /.test(s) || s.endsWith('fail-safe')),
  ).toEqual([]);
  expect((await report(after.callSid))?.outcome).toBe('granted');
  // Each of A's answers is fail-safe or in the ledger: a call answered without a fail-safe answer
  // to its last key has all three purposes granted, and none has an event twice.
  const grantedOnce = (await report(after.callSid))?.events.filter((e) => e.type === 'granted').length;
  const unrecorded: string[] = [];
  for (const call of callsOnA) {
    const answers = hooks(onA, [call]);
    const r = await report(call.callSid);
    const granted = r?.events.filter((e) => e.type === 'granted').length ?? 0;
    expect(granted).toBeLessThanOrEqual(grantedOnce ?? 0);
    const failSafe = answers.some((w) => w.status !== 200 || w.body.includes(FAIL_SAFE_TEXT));
    if (!failSafe && (r?.outcome !== 'granted' || Object.values(r.purposes).filter(Boolean).length !== 3))
      unrecorded.push(`${call.callSid}: ${answers.map(shown).join(', ')} → ${JSON.stringify(r)}`);
  }
  expect(unrecorded).toEqual([]);
  const verify = await consent(['verify'], env, dir);
  expect({ status: verify.status, stderr: verify.stderr }).toEqual({ status: 0, stderr: '' });
  const failSafeOnA = callsOnA.filter((c) => hooks(onA, [c]).some((w) => w.body.includes(FAIL_SAFE_TEXT)));
  console.log(`A: ${callsOnA.length} calls, ${failSafeOnA.length} of them cut short by the fail-safe answer`);
}, 180_000);
