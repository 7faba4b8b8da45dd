import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { projectRoot } from '../src/config';
import type { FromLoadGenerator, LoadJob, LoadResult, PrepareJob, ToLoadGenerator } from './protocol';

/** The processes of the voice bench: the service as `npm start` runs it, the baseline, the load generator. */

export const ROOT = projectRoot();
const dist = (...parts: string[]): string => path.join(ROOT, 'dist', ...parts);

/**
 * With two or more cores the servers share core 0 (one runs at a time) and the load generator has
 * core 1, so neither side's CPU is the other's; `taskset` pins a process and every thread it starts.
 */
export function pinning(): { server: string[]; load: string[]; note: string } {
  const cores = os.availableParallelism();
  const taskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  if (cores < 2 || !taskset)
    return { server: [], load: [], note: `not pinned (${cores} core(s)${taskset ? '' : ', no taskset'})` };
  return {
    server: ['taskset', '-c', '0'],
    load: ['taskset', '-c', '1'],
    note: 'servers pinned to core 0, load generator to core 1',
  };
}

function spawnNode(prefix: string[], args: string[], options: Parameters<typeof spawn>[2]): ChildProcess {
  const [command, ...rest] = [...prefix, process.execPath, ...args];
  return spawn(command as string, rest, options);
}

async function freePort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function waitFor(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url} exited at start:\n${output()}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status < 500 || res.status === 503) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not start:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface Running {
  url: string;
  child: ChildProcess;
  /** What the process wrote to stdout and stderr (the service logs warnings and errors only). */
  output: () => string;
  stop(): Promise<void>;
}

function collect(child: ChildProcess): () => string {
  let text = '';
  const add = (chunk: Buffer): void => {
    text = (text + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => text;
}

function stopper(child: ChildProcess): () => Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
}

/** s3rver in the bench's process (it idles while rounds run): the service's real S3 endpoint. */
export async function startS3(directory: string, bucket: string) {
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    configureBuckets: [{ name: bucket }],
  });
  const address = await server.run();
  return { endpoint: `http://127.0.0.1:${address.port}`, close: () => server.close() };
}

/**
 * Twilio's REST API as the service's background jobs see it with no recordings: an empty
 * Recordings list and no such call. The webhooks under test never call it.
 */
export async function startTwilioStub(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    const listing = /\/Recordings\.json/.test(req.url ?? '');
    res.writeHead(listing ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(listing ? { recordings: [], next_page_uri: null } : { status: 404 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface ServiceSettings {
  directory: string;
  publicBaseUrl: string;
  authToken: string;
  s3Endpoint: string;
  bucket: string;
  twilioApi: string;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  /** Overrides of the service's environment (DATABASE_URL, say). */
  env?: NodeJS.ProcessEnv;
}

/** `node dist/src/main.js`, as `npm start` runs it, with a production configuration. */
export async function startService(
  s: ServiceSettings,
  pin: string[],
): Promise<Running & { databasePath: string }> {
  const port = await freePort();
  const databasePath = path.join(s.directory, 'consent.db');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    PORT: String(port),
    PUBLIC_BASE_URL: s.publicBaseUrl,
    TWILIO_ACCOUNT_SID: `AC${'b0'.repeat(16)}`,
    TWILIO_AUTH_TOKEN: s.authToken,
    TWILIO_API_BASE: s.twilioApi,
    DATABASE_PATH: databasePath,
    CONSENT_KEYS: `bench:${crypto.randomBytes(32).toString('base64')}`,
    S3_BUCKET: s.bucket,
    S3_ENDPOINT: s.s3Endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    S3_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    HUMAN_AGENT_NUMBER: '+493011122233',
    ASSISTANT_URL: 'https://assistant.bench.invalid/twiml',
    PRIVACY_URL: 'https://example.com/privacy',
    GATEWAY_CONFIG: path.join(ROOT, 'gateway.config.example.json'),
    LOG_LEVEL: 'warn',
    NODE_NO_WARNINGS: '1',
    ...s.env,
  };
  const child = spawnNode(pin, [...(s.nodeFlags ?? []), dist('src', 'main.js')], {
    env,
    cwd: s.directory,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collect(child);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/healthz`, child, output);
  return { url, child, output, stop: stopper(child), databasePath };
}

/** Bare Express returning fixed TwiML (bench/bare-express.ts), in its own process. */
export async function startBaseline(pin: string[]): Promise<Running> {
  const port = await freePort();
  const child = spawnNode(pin, [dist('bench', 'bare-express.js')], {
    env: { PATH: process.env.PATH, NODE_ENV: 'production', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collect(child);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/voice/ping`, child, output);
  return { url, child, output, stop: stopper(child) };
}

export interface LoadGenerator {
  pid: number | undefined;
  prepare(job: PrepareJob): Promise<number>;
  load(job: LoadJob): Promise<LoadResult>;
  stop(): Promise<void>;
}

/** bench/load-generator.ts in its own process, driven over its IPC channel. */
export function startLoadGenerator(pin: string[]): LoadGenerator {
  const child = spawnNode(pin, [dist('bench', 'load-generator.js')], {
    env: { PATH: process.env.PATH, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  child.on('message', (m: FromLoadGenerator) => {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.ok) w?.resolve(m.value);
    else w?.reject(new Error(`load generator: ${m.error}`));
  });
  child.on('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`load generator exited (${code})`));
    waiting.clear();
  });
  const ask = <T>(message: ToLoadGenerator): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      waiting.set(message.id, { resolve: resolve as (v: unknown) => void, reject });
      child.send(message);
    });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid,
    prepare: (job) => ask<number>({ id: nextId++, kind: 'prepare', job }),
    load: (job) => ask<LoadResult>({ id: nextId++, kind: 'load', job }),
    async stop() {
      if (child.exitCode === null) child.send({ id: 0, kind: 'exit' });
      await exited;
    },
  };
}

/**
 * CPU seconds a process (all its threads) used so far, from /proc; null where there is none. On a
 * shared machine CPU time per request is steadier than throughput: it says what a change saved.
 */
export function cpuSeconds(pid: number | undefined): number | null {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime (fields 14 and 15 of stat; 12 and 13 after the command name), in ticks of 1/100 s.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/**
 * CPU seconds per thread of a process so far: its main thread (the event loop) and every other
 * thread by id. Worker threads carry no names of their own, so the busiest other one of a round is
 * the service's ledger writer.
 */
export function threadCpuSeconds(pid: number | undefined): Map<number, number> | null {
  try {
    const out = new Map<number, number>();
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      const fields =
        fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      out.set(Number(tid), (Number(fields[11]) + Number(fields[12])) / 100);
    }
    return out;
  } catch {
    return null;
  }
}

export function tempDirectory(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'bench-voice-'));
}
