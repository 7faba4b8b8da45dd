import type { Logger } from 'pino';
import type { JobRow, Ledger } from '../ledger';

export type JobHandler = (payload: Record<string, unknown>, job: JobRow) => Promise<JobResult | void>;
/** A handler may ask to be run again later without it counting as a failure (e.g. waiting for ffmpeg). */
export type JobResult = { retryInMs: number; reason: string };

export class PermanentJobError extends Error {}

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

export const MAX_ATTEMPTS = 12;
const BASE_DELAY_MS = 1_000;
const MAX_DELAY_MS = 10 * 60_000;

export function backoffMs(attempts: number): number {
  return Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1));
}

/**
 * Runs the outbox: due jobs one at a time per kind, retried with exponential back-off, surviving
 * restarts (a job left `running` by a crash is picked up again). A job that keeps failing ends
 * `failed` with its last error and never blocks the others.
 */
export class JobRunner {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = true;
  /** Set while stop() waits, so a pass in progress ends after its current job. */
  private halting = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly ledger: Ledger,
    private readonly handlers: Record<string, JobHandler>,
    private readonly log: Logger,
    private readonly options: { pollMs?: number; clock?: () => number } = {},
  ) {}

  private now(): number {
    return this.options.clock ? this.options.clock() : Date.now();
  }

  start(): void {
    this.stopped = false;
    // Jobs interrupted by a crash are due again.
    this.ledger.db.prepare("UPDATE jobs SET status = 'pending' WHERE status = 'running'").run();
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

  /**
   * One pass over every due job (or only those of the given kinds, for a command that wants its
   * own work done now); resolves when they have all been tried once.
   */
  async runDue(only?: { kinds: string[] }): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let ran = 0;
    try {
      for (;;) {
        if (this.halting) break;
        const kinds = only ? ` AND kind IN (${only.kinds.map(() => '?').join(', ') || "''"})` : '';
        const job = this.ledger.db
          .prepare(
            `SELECT * FROM jobs WHERE status = 'pending' AND run_at <= ?${kinds} ORDER BY run_at, id LIMIT 1`,
          )
          .get(this.now(), ...(only?.kinds ?? [])) as JobRow | undefined;
        if (!job) break;
        await this.runOne(job);
        ran += 1;
      }
    } finally {
      this.running = false;
      const next = this.ledger.db
        .prepare("SELECT MIN(run_at) FROM jobs WHERE status = 'pending'")
        .pluck()
        .get() as number | null;
      const poll = this.options.pollMs ?? 5_000;
      this.schedule(next === null ? poll : Math.max(0, Math.min(poll, next - this.now())));
    }
    return ran;
  }

  private async runOne(job: JobRow): Promise<void> {
    const db = this.ledger.db;
    const at = new Date(this.now()).toISOString();
    db.prepare(
      "UPDATE jobs SET status = 'running', attempts = attempts + 1, updated_at = ? WHERE id = ?",
    ).run(at, job.id);
    const handler = this.handlers[job.kind];
    try {
      if (!handler) throw new PermanentJobError(`no handler for job kind ${job.kind}`);
      const result = await handler(JSON.parse(job.payload) as Record<string, unknown>, {
        ...job,
        attempts: job.attempts + 1,
      });
      if (result) {
        // Waiting is not failing: the attempt does not count.
        db.prepare(
          "UPDATE jobs SET status = 'pending', attempts = attempts - 1, run_at = ?, last_error = ?, updated_at = ? WHERE id = ?",
        ).run(this.now() + result.retryInMs, `waiting: ${result.reason}`, at, job.id);
        return;
      }
      db.prepare("UPDATE jobs SET status = 'done', last_error = NULL, updated_at = ? WHERE id = ?").run(
        at,
        job.id,
      );
    } catch (error) {
      const attempts = job.attempts + 1;
      const message = (error as Error).message?.slice(0, 500) ?? String(error);
      const retry = error instanceof RetryJobError ? error : null;
      const permanent =
        error instanceof PermanentJobError || (retry ? retry.giveUp : attempts >= MAX_ATTEMPTS);
      db.prepare('UPDATE jobs SET status = ?, run_at = ?, last_error = ?, updated_at = ? WHERE id = ?').run(
        permanent ? 'failed' : 'pending',
        this.now() + (retry ? retry.retryInMs : backoffMs(attempts)),
        message,
        at,
        job.id,
      );
      this.log.warn({ job: job.id, kind: job.kind, attempts, permanent, error: message }, 'job failed');
    }
  }
}
