import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type { JobRow, Ledger } from '../ledger';
import { writeYielding } from '../ledger/database';
import {
  claimJob,
  DELETION_KINDS,
  holdsLease,
  nextDueAt,
  renewLease,
  settleJob,
  type JobOutcome,
} from '../ledger/jobs-repo';
import { writeThroughOutage } from './outage-retry';

/** What a handler gets besides its payload: the one safe way to write from a job. */
export interface JobContext {
  /**
   * Runs fn in a write transaction that first checks this worker still holds the job (a lapsed
   * lease means another worker took it over: nothing is written), without blocking the event loop
   * while another connection holds the lock. While the ledger is unreachable it waits for it (see
   * writeThroughOutage) rather than fail the job and repeat what the job did outside the ledger.
   */
  write<T>(fn: () => T): Promise<T>;
}

export type JobHandler = (
  payload: Record<string, unknown>,
  job: JobRow,
  context: JobContext,
) => Promise<JobResult | void>;
/** A handler may ask to be run again later without it counting as a failure (e.g. waiting for ffmpeg). */
export type JobResult = { retryInMs: number; reason: string };
/** Written in the transaction that marks a job failed for good: what must happen even so. */
export type GiveUpHandler = (
  ledger: Ledger,
  payload: Record<string, unknown>,
  job: JobRow,
  error: string,
) => void;

export class PermanentJobError extends Error {}
class LeaseLost extends Error {}

/**
 * A failed attempt whose handler keeps its own schedule (the CRM's retries span a day and more):
 * it counts as an attempt, waits `retryInMs`, and ends `failed` only when `giveUp` says so.
 */
export class RetryJobError extends Error {
  constructor(
    message: string,
    readonly retryInMs: number,
    readonly giveUp = false,
  ) {
    super(message);
  }
}

/** Attempts before a job that is not a deletion ends `failed`. Deletions retry without limit. */
export const MAX_ATTEMPTS = 12;
const BASE_DELAY_MS = 1_000;
const MAX_DELAY_MS = 10 * 60_000;
/** A claim lasts this long and is renewed while the handler runs; a dead worker's job is due after it. */
export const LEASE_MS = 5 * 60_000;

export function backoffMs(attempts: number): number {
  return Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1));
}

const RETRY_FOREVER = new Set<string>(DELETION_KINDS);

export interface JobRunnerOptions {
  pollMs?: number;
  clock?: () => number;
  leaseMs?: number;
  /** Jobs run at once by this runner (the clip pipeline waits on ffmpeg, S3 and Twilio). */
  concurrency?: number;
  onGiveUp?: Record<string, GiveUpHandler>;
}

/**
 * Runs the outbox: due jobs are claimed atomically with a lease (so any number of processes can
 * run jobs beside each other), retried with capped exponential back-off, and surviving restarts
 * (a job whose worker died is due again when its lease lapses). A job that keeps failing ends
 * `failed` with its last error and never blocks the others; deletions never give up.
 * Every write goes through writeYielding: the runner shares its connection with the webhooks'
 * event loop and must not make them wait behind another process's lock.
 */
export class JobRunner {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = true;
  /** Set while stop() waits, so a pass in progress ends after its current jobs. */
  private halting = false;
  private idle: Promise<void> = Promise.resolve();
  private readonly owner = `${process.pid}.${crypto.randomBytes(6).toString('hex')}`;

  constructor(
    private readonly ledger: Ledger,
    private readonly handlers: Record<string, JobHandler>,
    private readonly log: Logger,
    private readonly options: JobRunnerOptions = {},
  ) {}

  /** A ledger transaction on the shared connection that yields while another process holds the lock. */
  private write<T>(fn: () => T): Promise<T> {
    return writeYielding(this.ledger.db, fn, (f) => this.ledger.transaction(f));
  }

  private now(): number {
    return this.options.clock ? this.options.clock() : Date.now();
  }

  private get leaseMs(): number {
    return this.options.leaseMs ?? LEASE_MS;
  }

  start(): void {
    // Nothing is reset here: a job another process is running keeps its lease; a dead one's lapses.
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.halting = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.idle;
    this.halting = false;
  }

  /** Asks for a pass now (after a webhook wrote a job), instead of waiting for the next poll. */
  poke(): void {
    if (!this.stopped && !this.running) this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.idle = this.runDue().then(
        () => undefined,
        (error: unknown) => this.log.error({ err: error }, 'job pass failed'),
      );
    }, ms);
    this.timer.unref();
  }

  /** One pass over every due job (of the given kinds); resolves when they have all been tried once. */
  async runDue(filter: { kinds?: readonly string[] } = {}): Promise<number> {
    if (this.running || (filter.kinds && filter.kinds.length === 0)) return 0;
    this.running = true;
    let ran = 0;
    const tried = new Set<number>();
    const worker = async (): Promise<void> => {
      while (!this.halting) {
        const job = await this.write(() =>
          claimJob(this.ledger.db, {
            now: this.now(),
            leaseMs: this.leaseMs,
            owner: this.owner,
            kinds: filter.kinds,
          }),
        );
        if (!job) return;
        if (tried.has(job.id)) {
          // Due again within this pass (no back-off left): give it back for the next one.
          await this.settle(job, { status: 'release' });
          return;
        }
        tried.add(job.id);
        await this.runOne(job);
        ran += 1;
      }
    };
    try {
      await Promise.all(Array.from({ length: this.options.concurrency ?? 2 }, () => worker()));
    } finally {
      this.running = false;
      const poll = this.options.pollMs ?? 5_000;
      // A ledger that cannot be read now (a database outage) is asked again at the next poll:
      // the runner must never stop polling, whatever failed in this pass.
      let next: number | null;
      try {
        next = nextDueAt(this.ledger.db);
      } catch {
        next = null;
      }
      this.schedule(next === null ? poll : Math.max(0, Math.min(poll, next - this.now())));
    }
    return ran;
  }

  private async settle(job: JobRow, outcome: JobOutcome, also?: () => void): Promise<boolean> {
    const at = new Date(this.now());
    // Unrecorded, a finished job would stay claimed until its lease lapsed, then run again.
    return this.writeForJob(job, () => {
      const held = settleJob(this.ledger.db, job.id, this.owner, outcome, at);
      if (held) also?.();
      return held;
    });
  }

  /** A write for a claimed job: it waits for a ledger that is gone for a while (writeThroughOutage). */
  private writeForJob<T>(job: JobRow, fn: () => T): Promise<T> {
    return writeThroughOutage(() => this.write(fn), {
      onWait: (error) =>
        this.log.warn(
          { job: job.id, kind: job.kind, err: error },
          'ledger unreachable; the job waits for it',
        ),
    });
  }

  private async runOne(job: JobRow): Promise<void> {
    const db = this.ledger.db;
    const owner = this.owner;
    const handler = this.handlers[job.kind];
    const context: JobContext = {
      write: (fn) =>
        this.writeForJob(job, () => {
          if (!holdsLease(db, job.id, owner)) throw new LeaseLost(`job ${job.id} was taken over`);
          return fn();
        }),
    };
    // The lease is renewed while the handler works, so only a dead worker's job falls due again.
    const renew = setInterval(
      () => {
        this.write(() => renewLease(db, job.id, owner, this.now() + this.leaseMs)).catch((error: unknown) =>
          this.log.warn({ job: job.id, err: error }, 'job lease renewal failed'),
        );
      },
      Math.max(1_000, this.leaseMs / 3),
    );
    renew.unref();
    try {
      if (!handler) throw new PermanentJobError(`no handler for job kind ${job.kind}`);
      const result = await handler(JSON.parse(job.payload) as Record<string, unknown>, job, context);
      const outcome: JobOutcome = result
        ? { status: 'waiting', runAt: this.now() + result.retryInMs, reason: result.reason }
        : { status: 'done' };
      if (!(await this.settle(job, outcome)))
        this.log.warn({ job: job.id }, 'job finished after losing its lease');
    } catch (error) {
      if (error instanceof LeaseLost) {
        this.log.warn({ job: job.id, kind: job.kind }, 'job lease lapsed; another worker runs it');
        return;
      }
      await this.failed(job, error);
    } finally {
      clearInterval(renew);
    }
  }

  private async failed(job: JobRow, error: unknown): Promise<void> {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    const retry = error instanceof RetryJobError ? error : null;
    const permanent =
      error instanceof PermanentJobError ||
      (retry ? retry.giveUp : !RETRY_FOREVER.has(job.kind) && job.attempts >= MAX_ATTEMPTS);
    const giveUp = this.options.onGiveUp?.[job.kind];
    await this.settle(
      job,
      permanent
        ? { status: 'failed', error: message }
        : {
            status: 'retry',
            runAt: this.now() + (retry ? retry.retryInMs : backoffMs(job.attempts)),
            error: message,
          },
      permanent && giveUp
        ? () => giveUp(this.ledger, JSON.parse(job.payload) as Record<string, unknown>, job, message)
        : undefined,
    );
    this.log.warn(
      { job: job.id, kind: job.kind, attempts: job.attempts, permanent, error: message },
      'job failed',
    );
  }
}
