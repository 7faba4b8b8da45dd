import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeyRing } from '../../src/crypto/keyring';
import { giveUpHandlers } from '../../src/jobs/handlers';
import { JobRunner, LEASE_MS, MAX_ATTEMPTS, type JobHandler } from '../../src/jobs/queue';
import { Ledger, type JobRow } from '../../src/ledger';
import { jobHealth } from '../../src/ledger/jobs-repo';
import { createLogger } from '../../src/logger';
import { openTestLedger } from '../support/test-database';

const KEYS = new KeyRing([{ id: 'k1', key: crypto.randomBytes(32) }]);
const log = createLogger('silent');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let dir: string;
let file: string;
const open: Ledger[] = [];
/** Each ledger is its own SQLite connection, as each process (server, CLI) has. */
const connect = (): Ledger => {
  const ledger = openTestLedger(file, KEYS);
  open.push(ledger);
  return ledger;
};
const jobs = (ledger: Ledger): JobRow[] =>
  ledger.db.prepare('SELECT * FROM jobs ORDER BY id').all() as JobRow[];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobs-'));
  file = path.join(dir, 'ledger.db');
});
afterEach(() => {
  for (const l of open.splice(0)) l.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('ledger write transactions', () => {
  test('a transaction that reads first holds the write lock from the start, so another connection’s commit cannot fail it', () => {
    const ledger = connect();
    // Another process's write transaction, told not to wait for the lock (SQLite busy_timeout 0,
    // PostgreSQL lock_timeout): it must find the lock taken although we have only read so far.
    const other = connect();
    other.db.sqlite?.pragma('busy_timeout = 0');
    if (other.db.engine === 'postgres') other.db.exec("SET lock_timeout = '50ms'");
    let slippedIn: string | null = null;
    ledger.transaction(() => {
      ledger.getCall('CA0');
      // Another process tries to commit between our read and our write: it has to wait, not us.
      try {
        other.transaction(() =>
          other.db
            .prepare(
              "INSERT INTO notices (id, locale, kind, content, created_at) VALUES ('n', 'de', 'text', 'x', 'now')",
            )
            .run(),
        );
        slippedIn = 'committed';
      } catch (error) {
        slippedIn = (error as { code?: string }).code ?? 'error';
      }
      ledger.append([{ type: 'test', at: new Date() }]);
    });
    // SQLite's "database is locked", PostgreSQL's lock_not_available.
    expect(slippedIn).toBe(ledger.db.engine === 'postgres' ? '55P03' : 'SQLITE_BUSY');
    expect(ledger.verifyChain()).toMatchObject({ ok: true, checked: 1 });
  });
});

describe('the job runner', () => {
  test('when two processes run the outbox at once, every job runs exactly once', async () => {
    const a = connect();
    const b = connect();
    for (let i = 0; i < 40; i++) a.enqueue('work', { i });
    const ran: number[] = [];
    const handler: JobHandler = async (payload) => {
      await sleep(1);
      ran.push(Number(payload.i));
    };
    const runnerA = new JobRunner(a, { work: handler }, log);
    const runnerB = new JobRunner(b, { work: handler }, log);
    await Promise.all([runnerA.runDue(), runnerB.runDue()]);
    await Promise.all([runnerA.stop(), runnerB.stop()]);
    expect(ran.sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(jobs(a).every((j) => j.status === 'done' && j.attempts === 1)).toBe(true);
  });

  test('when another process starts, a job in progress keeps its lease; a dead worker’s job runs again once its lease lapsed', async () => {
    const server = connect();
    server.enqueue('work', { n: 1 });
    let now = 1_800_000_000_000;
    let release: () => void = () => undefined;
    const started: string[] = [];
    const slow: JobHandler = (payload, job) => {
      started.push(`first:${job.id}`);
      return new Promise((resolve) => (release = () => resolve()));
    };
    const first = new JobRunner(server, { work: slow }, log, { clock: () => now, concurrency: 1 });
    const pass = first.runDue();
    await sleep(20);
    expect(started).toEqual(['first:1']);

    const cli = connect();
    const second = new JobRunner(cli, { work: async () => void started.push('second') }, log, {
      clock: () => now,
    });
    second.start();
    await second.stop();
    await second.runDue();
    expect(started).toEqual(['first:1']);
    expect(jobs(cli)[0]).toMatchObject({ status: 'running' });

    // The first worker died (its lease is not renewed any more): after the lease the job is due.
    now += LEASE_MS + 1;
    await second.runDue();
    await second.stop();
    expect(started).toEqual(['first:1', 'second']);
    // The dead worker waking up cannot mark it as its own any more.
    release();
    await pass;
    await first.stop();
    expect(jobs(server)[0]).toMatchObject({ status: 'done', attempts: 2 });
  });

  test('a worker whose lease was taken over writes nothing', async () => {
    const ledger = connect();
    ledger.enqueue('work', {});
    let now = 1_800_000_000_000;
    let wrote = false;
    let proceed: () => void = () => undefined;
    const handler: JobHandler = async (_p, _j, { write }) => {
      await new Promise<void>((resolve) => (proceed = resolve));
      await write(() => {
        wrote = true;
        ledger.append([{ type: 'late_write', at: new Date() }]);
      });
    };
    const stale = new JobRunner(ledger, { work: handler }, log, { clock: () => now, concurrency: 1 });
    const pass = stale.runDue();
    await sleep(20);
    now += LEASE_MS + 1;
    const other = new JobRunner(connect(), { work: async () => undefined }, log, { clock: () => now });
    await other.runDue();
    await other.stop();
    proceed();
    await pass;
    await stale.stop();
    expect(wrote).toBe(false);
    expect(ledger.db.prepare("SELECT COUNT(*) FROM events WHERE type = 'late_write'").pluck().get()).toBe(0);
  });

  test('a deletion that keeps failing is retried without limit, with capped back-off, and health says deletions are stuck', async () => {
    const ledger = connect();
    ledger.enqueue('delete_clip', { consentId: 'CNS-x' });
    let now = 1_800_000_000_000;
    const runner = new JobRunner(
      ledger,
      {
        delete_clip: async () => {
          throw new Error('S3 unavailable');
        },
      },
      log,
      { clock: () => now },
    );
    for (let i = 0; i < MAX_ATTEMPTS + 8; i++) {
      await runner.runDue();
      now += 11 * 60_000;
    }
    await runner.stop();
    const [job] = jobs(ledger);
    expect(job).toMatchObject({
      status: 'pending',
      attempts: MAX_ATTEMPTS + 8,
      last_error: 'S3 unavailable',
    });
    expect(job!.run_at - now).toBeLessThanOrEqual(10 * 60_000);
    expect(jobHealth(ledger.db, Date.now())).toMatchObject({
      status: 'stuck',
      deletions: { queued: 1, failing: 1 },
    });
  });

  test('when a clip job fails for good, Twilio’s recording is still queued for deletion', async () => {
    const ledger = connect();
    ledger.enqueue('process_recording', { callSid: 'CA1', recordingSid: 'RE1' });
    const deleted: string[] = [];
    let now = 1_800_000_000_000;
    const runner = new JobRunner(
      ledger,
      {
        process_recording: async () => {
          throw new Error('media unreadable');
        },
        delete_recording: async (payload) => void deleted.push(String(payload.recordingSid)),
      },
      log,
      { clock: () => now, onGiveUp: giveUpHandlers },
    );
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      await runner.runDue();
      now += 11 * 60_000;
    }
    await runner.stop();
    expect(jobs(ledger).map((j) => [j.kind, j.status])).toEqual([
      ['process_recording', 'failed'],
      ['delete_recording', 'done'],
    ]);
    expect(deleted).toEqual(['RE1']);
    expect(ledger.db.prepare('SELECT type FROM events').pluck().all()).toEqual(['clip_failed']);
  });
});
