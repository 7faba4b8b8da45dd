import { isLedgerUnavailable } from '../ledger/unavailable';

/** How long a job's write waits for its ledger to come back before the job counts as failed. */
export const OUTAGE_WAIT_MS = 60_000;

/**
 * Runs a job's ledger write, and while the ledger is unreachable (see isLedgerUnavailable) runs it
 * again until it goes through or `totalMs` have passed. A job's write often records what is done
 * outside the ledger already (a CRM answered 2xx, a clip is in S3, Twilio deleted a recording):
 * failing the job instead would make it do that again after its back-off, and the CRM would hear
 * an event twice. Errors of any other kind are thrown at once.
 */
export async function writeThroughOutage<T>(
  write: () => Promise<T>,
  options: { totalMs?: number; onWait?: (error: unknown) => void } = {},
): Promise<T> {
  const deadline = Date.now() + (options.totalMs ?? OUTAGE_WAIT_MS);
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!isLedgerUnavailable(error) || Date.now() >= deadline) throw error;
      if (attempt === 0) options.onWait?.(error);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 250 * 2 ** attempt)));
  }
}
