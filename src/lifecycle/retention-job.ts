import type { Logger } from 'pino';
import type { JobHandler } from '../jobs/queue';
import type { Ledger } from '../ledger';
import type { Outbound } from '../outbound/crm-events';
import { applyRetention } from './retention-sweep';
import type { RetentionPurpose } from './retention';

export const RETENTION_JOB = 'retention_sweep';
const HOUR_MS = 3_600_000;

/**
 * The schedule is applied by a durable job, once per hour slot: every process enqueues the same
 * slot under the same dedupe key, so one of them runs it, and each run enqueues the next slot. A
 * process that starts also asks for a run of its own, so a schedule changed in the operator file
 * applies at once. A run that does nothing costs one indexed scan of the active consents.
 */
export function scheduleRetention(ledger: Ledger, now: Date): void {
  ledger.transaction(() => {
    ledger.enqueue(RETENTION_JOB, { trigger: 'start' }, { dedupeKey: `retention:start:${now.getTime()}` });
    enqueueNextSlot(ledger, now);
  });
}

function enqueueNextSlot(ledger: Ledger, now: Date): void {
  const next = (Math.floor(now.getTime() / HOUR_MS) + 1) * HOUR_MS;
  ledger.enqueue(RETENTION_JOB, { trigger: 'hourly' }, { dedupeKey: `retention:hour:${next}`, runAt: next });
}

export function retentionJobHandler(d: {
  ledger: Ledger;
  schedule: readonly RetentionPurpose[];
  log: Logger;
  clock?: () => Date;
  /** Which other systems hear of expiries (the CRM). */
  outbound?: Outbound;
}): JobHandler {
  return async (payload) => {
    const now = d.clock ? d.clock() : new Date();
    const outcome = applyRetention(d.ledger, d.schedule, now, { outbound: d.outbound });
    if (payload.trigger === 'hourly') enqueueNextSlot(d.ledger, now);
    if (outcome.expired.length > 0 || outcome.purposesEnded.length > 0)
      d.log.info(
        { expired: outcome.expired.length, purposesEnded: outcome.purposesEnded.length },
        'retention applied',
      );
  };
}
