import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import S3rver from 's3rver';

/** The built service and command line: `npm test` (and `npm run test:multiprocess`) build them first. */
export const ROOT = path.join(__dirname, '../..');
export const SERVER_ENTRY = path.join(ROOT, 'dist/src/main.js');
export const CONSENT_BIN = path.join(ROOT, 'bin/consent.js');

export async function freePort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * s3rver in this process, counting every object written and removed (by key). `down()` stops it
 * (the port refuses connections, as during an outage) and `up()` starts it again at the same
 * address on the same directory, its objects kept.
 */
export async function startCountingS3(directory: string, bucket: string) {
  const puts = new Map<string, number>();
  const deletes = new Map<string, number>();
  let port = 0;
  let server: S3rver | null = null;
  const up = async (): Promise<void> => {
    const s = new S3rver({
      address: '127.0.0.1',
      port,
      directory,
      silent: true,
      configureBuckets: [{ name: bucket }],
    });
    s.on('event', (event) => {
      for (const r of event.Records) {
        const key = decodeURIComponent(r.s3.object.key);
        const counts = r.eventName.startsWith('ObjectCreated') ? puts : deletes;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    });
    port = (await s.run()).port;
    server = s;
  };
  const down = async (): Promise<void> => {
    const s = server;
    server = null;
    await s?.close();
  };
  await up();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    puts,
    deletes,
    up,
    down,
    close: down,
  };
}

/** A stand-in for the AI assistant: it greets and hangs up, so a consenting call ends by itself. */
export async function startAssistant(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Response><Say>assistant</Say><Hangup/></Response>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/twiml`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface ServerProcess {
  child: ChildProcess;
  /** Every log line the server wrote (pino JSON), stdout and stderr. */
  lines: string[];
  stop(): Promise<void>;
}

/** `node dist/src/main.js` with the given environment; resolves once /healthz answers. */
export async function startServer(
  env: NodeJS.ProcessEnv,
  baseUrl: string,
  cwd: string,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [SERVER_ENTRY], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let tail = '';
  const collect = (chunk: Buffer): void => {
    const parts = (tail + chunk.toString()).split('\n');
    tail = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited at start:\n${lines.join('\n')}`);
    try {
      const res = await fetch(`${baseUrl}/healthz`);
      await res.text();
      if (res.status === 200 || res.status === 503) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not start:\n${lines.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    child,
    lines,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface CliRun {
  args: string[];
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `consent ...` as its own process (asynchronously: s3rver in this process must keep serving). */
export function consent(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CONSENT_BIN, ...args], { env, cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ args, status, stdout, stderr }));
  });
}
