import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteDatabase as Database } from '../../src/ledger/sqlite/binding';
import { TwilioEmulator, type EmulatedCall } from '../support/twilio-emulator';
import {
  consent,
  freePort,
  startAssistant,
  startCountingS3,
  startServer,
  type CliRun,
  type ServerProcess,
} from './processes';

/**
 * The service as it runs in production: its own process on a real SQLite file, s3rver and the
 * Twilio emulator on loopback, 50 calls at once and `consent` commands (readers and writers) in
 * loops beside it. Nothing may fail: no webhook error, no lost event, no clip kept twice, no
 * recording left at Twilio or deleted twice.
 */
const ACCOUNT_SID = `AC${'c3'.repeat(16)}`;
const AUTH_TOKEN = 'multiprocess-auth-token-0123456789';
const KEYS = `k1:${Buffer.alloc(32, 9).toString('base64')}`;
const BUCKET = 'clips';
/** The German text of the fail-safe answer (locales/de/prompts.json "error"). */
const FAIL_SAFE_TEXT = 'technisches Problem';

type Kind = 'consent' | 'speech' | 'decline' | 'hangup' | 'withdraw-first' | 'withdraw-call' | 'cli-withdraw';
interface Placed {
  kind: Kind;
  from: string;
  call: EmulatedCall;
  /** Set when the call could not go on as the caller meant (no question waiting: it was cut short). */
  broken?: string;
}

let dir: string;
let s3: Awaited<ReturnType<typeof startCountingS3>>;
let assistant: Awaited<ReturnType<typeof startAssistant>>;
let emulator: TwilioEmulator;
let server: ServerProcess;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'multiprocess-'));
  s3 = await startCountingS3(path.join(dir, 's3'), BUCKET);
  assistant = await startAssistant();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
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
    DATABASE_PATH: path.join(dir, 'consent.db'),
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
    LOG_LEVEL: 'warn',
    // The AWS SDK's notice about future Node versions is not the service's output.
    NODE_NO_WARNINGS: '1',
  };
  server = await startServer(env, baseUrl, dir);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await emulator?.close();
  await assistant?.close();
  await s3?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

const number = (i: number): string => `+49151${String(4_000_000 + i).padStart(8, '0')}`;

async function play(p: Placed): Promise<void> {
  try {
    await script(p);
  } catch (error) {
    p.broken = `${p.kind}: ${(error as Error).message}`;
    await p.call.hangup();
  }
}

/** A caller takes a moment to answer, so the calls overlap with each other and with the commands. */
const think = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 600));

async function script(p: Placed): Promise<void> {
  const { call } = p;
  const press = async (digits: string): Promise<void> => {
    await think();
    await call.press(digits);
  };
  const say = async (words: string, confidence: number): Promise<void> => {
    await think();
    await call.say(words, confidence);
  };
  await think();
  await call.start();
  switch (p.kind) {
    case 'consent':
    case 'withdraw-first':
    case 'cli-withdraw':
      await press('1');
      await press('1');
      await press('2');
      break;
    case 'speech':
      await say('ja gerne', 0.93);
      await say('nein danke', 0.9);
      await say('ja', 0.91);
      break;
    case 'decline':
      await press('2');
      break;
    case 'withdraw-call':
      await press('0');
      break;
    case 'hangup':
      await think();
      await call.hangup();
      break;
  }
  await call.hangup();
}

/** `consent` commands in a loop until `done()`: every run is recorded. */
async function loop(runs: CliRun[], done: () => boolean, next: () => string[]): Promise<void> {
  while (!done()) runs.push(await consent(next(), env, dir));
}

function place(kind: Kind, from: string): Placed {
  return {
    kind,
    from,
    call: emulator.placeCall({ from, to: '+4930123456', fromCountry: 'DE', recordingSeconds: 20 }),
  };
}

test('50 concurrent calls beside looping consent commands: no failed webhook, no lost event, every clip kept and every recording deleted exactly once', async () => {
  const plan: Array<[Kind, number]> = [
    ['consent', 14],
    ['speech', 6],
    ['decline', 10],
    ['hangup', 4],
    ['withdraw-first', 6],
    ['cli-withdraw', 4],
  ];
  const placed: Placed[] = [];
  const scripts: Array<Promise<void>> = [];
  let n = 0;
  for (const [kind, count] of plan)
    for (let i = 0; i < count; i++) {
      const p = place(kind, number(n++));
      placed.push(p);
      scripts.push(
        play(p).then(async () => {
          if (kind !== 'withdraw-first') return;
          // The same caller calls again and presses 0: every consent of the number is withdrawn.
          const again = place('withdraw-call', p.from);
          placed.push(again);
          await play(again);
        }),
      );
    }

  let callsDone = false;
  let quiet = false;
  const allCalls = Promise.all(scripts).finally(() => (callsDone = true));
  const runs: CliRun[] = [];
  const sids = (): string[] => placed.map((p) => p.call.callSid);
  let pick = 0;
  const toWithdraw = placed.filter((p) => p.kind === 'cli-withdraw');
  const withdrawn = new Set<string>();
  // Staff withdraw a caller's consents on the phone once the call is over.
  const withdrawals = loop(
    runs,
    () => callsDone && withdrawn.size === toWithdraw.length,
    () => {
      const ready = toWithdraw.find((p) => p.call.state === 'completed' && !withdrawn.has(p.from));
      if (!ready) return ['withdraw', '--caller', '+4915199999999', '--channel', 'phone'];
      withdrawn.add(ready.from);
      return ['withdraw', '--caller', ready.from, '--channel', 'phone'];
    },
  );
  const db = new Database(env.DATABASE_PATH as string, { readonly: true, fileMustExist: true });
  const busy = (): number =>
    db
      .prepare(
        "SELECT COUNT(*) FROM jobs WHERE status IN ('pending','running') AND kind IN ('process_recording','delete_recording','delete_clip')",
      )
      .pluck()
      .get() as number;
  // Background work (clips, deletions) finishes on its own, while the commands go on.
  const work = (async () => {
    await allCalls;
    await withdrawals;
    await emulator.settle();
    const deadline = Date.now() + 60_000;
    while (
      (busy() > 0 || [...emulator.recordings.values()].some((r) => r.status !== 'deleted')) &&
      Date.now() < deadline
    )
      await new Promise((resolve) => setTimeout(resolve, 250));
    quiet = true;
  })();
  await Promise.all([
    work,
    withdrawals,
    loop(
      runs,
      () => quiet,
      () => ['call', sids()[pick++ % sids().length] ?? 'CA0', '--json'],
    ),
    loop(
      runs,
      () => quiet,
      () => ['verify'],
    ),
    loop(
      runs,
      () => quiet,
      () => ['jobs'],
    ),
    // An auditor exports stored clips (each export is itself written to the ledger).
    loop(
      runs,
      () => quiet,
      () => {
        const id = db
          .prepare("SELECT consent_id FROM clips WHERE status = 'stored' ORDER BY random() LIMIT 1")
          .pluck()
          .get() as string | undefined;
        return id ? ['clip', id, '--out', path.join(dir, 'export.mp3')] : ['jobs', '--all'];
      },
    ),
    loop(
      runs,
      () => quiet,
      () => ['withdraw', '--caller', '+4915199999998', '--channel', 'web'],
    ),
  ]);
  expect(placed).toHaveLength(50);

  // 0 failed webhooks: no 5xx, no fail-safe answer, no application error heard by any caller.
  const failed = emulator.webhooks.filter(
    (w) => w.status === 0 || w.status >= 400 || w.body.includes(FAIL_SAFE_TEXT),
  );
  expect(failed.map((w) => `${w.kind} ${new URL(w.url).pathname} ${w.status}`)).toEqual([]);
  expect(placed.flatMap((p) => p.call.errors)).toEqual([]);
  expect(placed.filter((p) => p.broken).map((p) => p.broken)).toEqual([]);
  expect(server.lines.filter((l) => /database is locked|webhook failed|callback failed/.test(l))).toEqual([]);

  // The commands beside it never failed either (4: a call not yet in the ledger, a clip just withdrawn).
  const badRuns = runs.filter(
    (r) => !(r.status === 0 || ((r.args[0] === 'call' || r.args[0] === 'clip') && r.status === 4)),
  );
  expect(badRuns.map((r) => `${r.args.join(' ')} → ${r.status}: ${r.stderr.trim()}`)).toEqual([]);
  for (const kind of ['call', 'verify', 'jobs', 'withdraw'])
    expect(runs.some((r) => r.args[0] === kind)).toBe(true);

  // 0 lost events: every call has its events, once.
  const eventTypes = db.prepare('SELECT type FROM events WHERE call_sid = ? ORDER BY seq').pluck();
  const expected: Record<Kind, string> = {
    consent: 'granted',
    speech: 'granted',
    'withdraw-first': 'granted',
    'cli-withdraw': 'granted',
    decline: 'declined',
    hangup: 'abandoned',
    'withdraw-call': 'withdrawn',
  };
  for (const p of placed) {
    const types = eventTypes.all(p.call.callSid) as string[];
    const once = (t: string): number => types.filter((x) => x === t).length;
    expect({
      sid: p.call.callSid,
      kind: p.kind,
      started: once('call_started'),
      ended: once('call_ended'),
    }).toEqual({
      sid: p.call.callSid,
      kind: p.kind,
      started: 1,
      ended: 1,
    });
    expect(types).toContain(expected[p.kind]);
    expect(types).toContain('recording_completed');
  }

  // Every kept clip was stored exactly once; every withdrawn one is gone from the bucket.
  const clipOf = db.prepare(
    'SELECT c.status AS consent, k.status AS clip, k.object_key AS key FROM consents c LEFT JOIN clips k ON k.consent_id = c.id WHERE c.call_sid = ?',
  );
  const stored = db
    .prepare("SELECT COUNT(*) FROM events WHERE call_sid = ? AND type = 'clip_stored'")
    .pluck();
  for (const p of placed.filter((x) => expected[x.kind] === 'granted')) {
    const row = clipOf.get(p.call.callSid) as { consent: string; clip: string | null; key: string | null };
    const keepsClip = p.kind === 'consent' || p.kind === 'speech';
    expect({ kind: p.kind, consent: row.consent, clip: row.clip }).toEqual({
      kind: p.kind,
      consent: keepsClip ? 'active' : 'withdrawn',
      clip: keepsClip ? 'stored' : 'deleted',
    });
    const puts = row.key ? (s3.puts.get(row.key) ?? 0) : 0;
    if (keepsClip) {
      expect({ kind: p.kind, puts, storedEvents: stored.get(p.call.callSid) }).toEqual({
        kind: p.kind,
        puts: 1,
        storedEvents: 1,
      });
      expect(s3.deletes.get(row.key ?? '') ?? 0).toBe(0);
    } else {
      expect(puts).toBeLessThanOrEqual(1);
      if (puts === 1) expect(s3.deletes.get(row.key ?? '') ?? 0).toBeGreaterThanOrEqual(1);
    }
  }

  // Every recording Twilio made was deleted there exactly once.
  const deletesOf = (sid: string): number =>
    emulator.requests.filter((r) => r.method === 'DELETE' && r.path.includes(`/Recordings/${sid}.json`))
      .length;
  const recordings = [...emulator.recordings.values()];
  expect(recordings.length).toBeGreaterThanOrEqual(50);
  expect(
    recordings
      .filter((r) => r.status !== 'deleted' || deletesOf(r.sid) !== 1)
      .map((r) => `${r.sid} ${r.status} ×${deletesOf(r.sid)}`),
  ).toEqual([]);
  db.close();

  const verify = await consent(['verify'], env, dir);
  expect(verify).toMatchObject({ status: 0 });
}, 170_000);
