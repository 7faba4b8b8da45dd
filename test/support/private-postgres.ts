import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A PostgreSQL cluster of a test's own (initdb and pg_ctl of Debian's PostgreSQL, as .ci/run makes
 * its cluster), on a loopback port, so the test can do to it what an operator's database
 * administrator or a cloud outage does: restart it, stop it for a while, end its sessions. Run as
 * the `postgres` user when the test runs as root (PostgreSQL refuses to run as root). Never
 * silently absent: without the binaries, starting one throws.
 */
export interface PrivatePostgres {
  /** postgres://consent:<password>@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /** `pg_ctl restart -m fast`: every session is ended, the server is back when this resolves. */
  restart(): Promise<void>;
  /** `pg_ctl stop -m fast`: refuses connections until `start()`. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** pg_terminate_backend on every session named `applicationName`; says how many ended. */
  terminate(applicationName: string): Promise<number>;
  /** Sessions open now under `applicationName`. */
  sessions(applicationName: string): Promise<number>;
  /** The number one statement answers (psql as the cluster's superuser). */
  count(sql: string): Promise<number>;
  /** Stops the cluster (immediately) and removes its directory. */
  close(): Promise<void>;
}

export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(a) - Number(b))
    : [];
  const latest = versions[versions.length - 1];
  if (!latest)
    throw new Error(
      'PostgreSQL server binaries (initdb, pg_ctl) are missing under /usr/lib/postgresql/*/bin: install the `postgresql` package (.ci/run does)',
    );
  return path.join(root, latest, 'bin');
}

function run(command: string, args: string[], asPostgres: boolean): Promise<string> {
  const [file, argv] = asPostgres ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    // Asynchronous: the test process serves s3rver, the Twilio emulator and the CRM meanwhile.
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`${path.basename(command)} ${args.join(' ')} exited ${code}: ${output}`)),
    );
  });
}

export async function startPrivatePostgres(port: number): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  const root = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'private-pg-'));
  if (root) fs.chownSync(dir, Number(await run('id', ['-u', 'postgres'], false)), 0);
  const data = path.join(dir, 'data');
  const password = crypto.randomBytes(12).toString('hex');
  const pwfile = path.join(dir, 'password');
  fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o644 });
  const pg = (tool: string, args: string[]): Promise<string> => run(path.join(bin, tool), args, root);
  await pg('initdb', [
    '-D',
    data,
    '-U',
    'consent',
    `--pwfile=${pwfile}`,
    '--auth=scram-sha-256',
    '--no-sync',
  ]);
  const options = [
    `-c port=${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    '-c fsync=off',
    '-c shared_buffers=16MB',
  ].join(' ');
  const log = path.join(dir, 'log');
  const start = (): Promise<unknown> => pg('pg_ctl', ['-D', data, '-l', log, '-w', '-o', options, 'start']);
  await start();
  const url = `postgres://consent:${password}@127.0.0.1:${port}/postgres`;
  /** Sessions of one application (a plain name: it is spelled into the statement). */
  const ofApplication = (name: string): string => {
    if (!/^[\w-]+$/.test(name)) throw new Error(`not a plain application name: ${name}`);
    return `FROM pg_stat_activity WHERE application_name = '${name}'`;
  };
  const count = async (sql: string): Promise<number> =>
    Number((await run(path.join(bin, 'psql'), [url, '-Atq', '-c', sql], false)).trim());
  return {
    url,
    port,
    restart: async () => {
      await pg('pg_ctl', ['-D', data, '-l', log, '-w', '-m', 'fast', '-o', options, 'restart']);
    },
    stop: async () => {
      await pg('pg_ctl', ['-D', data, '-w', '-m', 'fast', 'stop']);
    },
    start: async () => {
      await start();
    },
    terminate: (name) =>
      count(`SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) ${ofApplication(name)}`),
    sessions: (name) => count(`SELECT count(*) ${ofApplication(name)}`),
    count,
    close: async () => {
      if (fs.existsSync(path.join(data, 'postmaster.pid')))
        await pg('pg_ctl', ['-D', data, '-w', '-m', 'immediate', 'stop']).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
