import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openCheckpoint } from '../../src/crypto/signed-note';
import { TwilioEmulator } from '../support/twilio-emulator';

/**
 * The service as an operator runs it (`node dist/src/main.js`, the `consent` command), a real SQLite
 * file and the embedded bucket on disk: a restored backup of the database is caught by
 * `consent verify` (with and without a saved checkpoint) and by the server at its next start.
 */
const ROOT = path.join(__dirname, '..', '..');
const ACCOUNT_SID = `AC${'b2'.repeat(16)}`;
const AUTH_TOKEN = 'multiprocess-auth-token-0123456789';

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

let dir: string;
let port: number;
let emulator: TwilioEmulator;
let env: NodeJS.ProcessEnv;
let server: ChildProcess | null = null;
const base = (): string => `http://127.0.0.1:${port}`;

async function startServer(): Promise<void> {
  server = spawn(process.execPath, [path.join(ROOT, 'dist/src/main.js')], { env, stdio: 'ignore' });
  for (let i = 0; i < 200; i += 1) {
    try {
      if ((await fetch(`${base()}/healthz`)).status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start');
}

async function stopServer(): Promise<void> {
  const s = server;
  server = null;
  if (!s || s.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    s.once('exit', () => resolve());
    s.kill('SIGTERM');
  });
}

async function consentingCall(): Promise<void> {
  const call = emulator.placeCall({
    from: `+49151${crypto.randomInt(1e6, 1e7)}`,
    to: '+4930123456',
    fromCountry: 'DE',
  });
  await call.start();
  for (const d of ['1', '1', '2']) await call.press(d);
  await emulator.settle();
}

/** Waits for a checkpoint at least this large (CHECKPOINT_SECONDS=1 here). */
async function checkpointOfAtLeast(size: number): Promise<{ note: string; size: number }> {
  for (let i = 0; i < 150; i += 1) {
    const r = await fetch(`${base()}/ledger/checkpoint`);
    if (r.status === 200) {
      const note = await r.text();
      const n = Number(note.split('\n')[1]);
      if (n >= size) return { note, size: n };
    }
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error(`no checkpoint of size ${size}`);
}

const consent = (...args: string[]): { status: number | null; out: string } => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/consent.js'), ...args], {
    env,
    encoding: 'utf8',
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
};
const eventCount = (): number => Number(/(\d+) events/.exec(consent('verify').out)?.[1] ?? -1);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollback-'));
  port = await freePort();
  emulator = await TwilioEmulator.start({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    appBaseUrl: `http://127.0.0.1:${port}`,
  });
  env = {
    PATH: process.env.PATH,
    NODE_ENV: 'development',
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATABASE_PATH: path.join(dir, 'consent.db'),
    CONSENT_KEYS: `k1:${Buffer.alloc(32, 9).toString('base64')}`,
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    TWILIO_API_BASE: emulator.apiBase,
    HUMAN_AGENT_NUMBER: '+4930111222',
    CHECKPOINT_SECONDS: '1',
    LOG_LEVEL: 'warn',
  };
});
afterAll(async () => {
  await stopServer();
  await emulator.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a restored database is caught by consent verify, with and without a saved checkpoint, and by /healthz after a restart', async () => {
  await startServer();
  await consentingCall();
  await stopServer();
  const first = consent('verify');
  expect(first.out).toMatch(/ledger intact/);
  const backupSize = eventCount();
  expect(backupSize).toBeGreaterThan(0);
  fs.copyFileSync(path.join(dir, 'consent.db'), path.join(dir, 'backup.db'));

  await startServer();
  await consentingCall();
  await consentingCall();
  await stopServer();
  const size = eventCount();
  await startServer();
  const saved = await checkpointOfAtLeast(size);
  const keys = consent('keys', 'public').out;
  const pem =
    /# checkpoint [^\n]*active[^\n]*\n(-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----)/.exec(
      keys,
    )?.[1];
  expect(openCheckpoint(saved.note, crypto.createPublicKey(pem ?? ''))).toMatchObject({ size: saved.size });
  const health = (await (await fetch(`${base()}/healthz`)).json()) as { ledger: string };
  expect(health.ledger).toBe('ok');
  await stopServer();
  fs.writeFileSync(path.join(dir, 'saved-checkpoint.txt'), saved.note);
  expect(consent('verify', '--checkpoint', path.join(dir, 'saved-checkpoint.txt')).status).toBe(0);
  const objects = fs.readdirSync(path.join(dir, 's3'), { recursive: true }).map(String);
  expect(objects.some((o) => o.includes('checkpoints'))).toBe(true);

  // The database is restored from the earlier copy; the bucket keeps what was published.
  for (const suffix of ['', '-wal', '-shm'])
    fs.rmSync(path.join(dir, `consent.db${suffix}`), { force: true });
  fs.copyFileSync(path.join(dir, 'backup.db'), path.join(dir, 'consent.db'));

  const plain = consent('verify');
  expect(plain.status).toBe(1);
  // The bucket's latest may be newer than the saved one (the server logs a little after a call).
  expect(plain.out).toMatch(new RegExp(`holds ${backupSize} events but checkpoint \\d+ covers`));
  expect(plain.out).toMatch(new RegExp(`diverges at size ${backupSize + 1}`));
  const withFile = consent('verify', '--checkpoint', path.join(dir, 'saved-checkpoint.txt'));
  expect(withFile.status).toBe(1);
  expect(withFile.out).toMatch(new RegExp(`checkpoint ${saved.size} from .*saved-checkpoint\\.txt`));

  await startServer();
  const after = await fetch(`${base()}/healthz`);
  expect(after.status).toBe(200);
  const reported = ((await after.json()) as { ledger: string }).ledger;
  expect(reported).toMatch(/^inconsistent with checkpoint \d+$/);
  expect(Number(/\d+$/.exec(reported)?.[0])).toBeGreaterThanOrEqual(saved.size);
  // It still takes calls, and signs nothing that contradicts what was published.
  await consentingCall();
  await new Promise((r) => setTimeout(r, 2500));
  const served = await (await fetch(`${base()}/ledger/checkpoint`)).text();
  expect(Number(served.split('\n')[1])).toBeLessThanOrEqual(backupSize);
  await stopServer();
  const forked = consent('verify');
  expect(forked.status).toBe(1);
  expect(forked.out).toMatch(/diverges/);
}, 180_000);
