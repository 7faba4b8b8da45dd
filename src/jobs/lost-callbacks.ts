import type { Logger } from 'pino';
import type { Ledger } from '../ledger';
import { SWEEP_JOB } from './twilio-sweep';

/** How often a sweep request that the ledger refused (it is still gone) is tried again. */
const RETRY_MS = 2_000;

/**
 * Twilio does not retry a status or recording callback that the service answered 503 because its
 * ledger was gone (a database outage): what it carried is lost until a sweep finds it. The
 * periodic sweep runs every quarter hour and skips recordings younger than the grace, so a lost
 * recording could wait up to half an hour at Twilio. This asks for a sweep one grace period after
 * the last lost callback instead, and writes that request as soon as the ledger takes writes again.
 * Kept in memory only until it is written: a process that dies meanwhile sweeps at its next start.
 */
export class LostCallbackSweep {
  /** When the latest callback not written yet was lost. */
  private lostAt: number | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly d: {
      ledger: Ledger;
      graceMs: number;
      log: Logger;
      /** Called once a sweep is queued, so the job runner looks at its due time. */
      onQueued?: () => void;
      clock?: () => number;
    },
  ) {}

  /** A callback was answered 503: nothing of it was written, and Twilio will not send it again. */
  noteLost(): void {
    this.lostAt = this.now();
    if (!this.timer) this.later(0);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private now(): number {
    return this.d.clock ? this.d.clock() : Date.now();
  }

  private later(ms: number): void {
    this.timer = setTimeout(() => this.request(), ms);
    this.timer.unref();
  }

  private request(): void {
    this.timer = null;
    const lostAt = this.lostAt;
    if (lostAt === null) return;
    // A second past the grace: the sweep acts only on recordings at least that old.
    const runAt = lostAt + this.d.graceMs + 1_000;
    try {
      this.d.ledger.transaction(() =>
        this.d.ledger.enqueue(
          SWEEP_JOB,
          { trigger: 'lost-callback' },
          { dedupeKey: `${SWEEP_JOB}:lost:${runAt}`, runAt },
        ),
      );
    } catch (error) {
      this.d.log.warn({ err: error }, 'sweep for lost Twilio callbacks not queued yet; trying again');
      this.later(RETRY_MS);
      return;
    }
    // A callback lost while this was written asks for a sweep of its own, later.
    if (this.lostAt === lostAt) this.lostAt = null;
    else this.later(0);
    this.d.onQueued?.();
  }
}
