const ENDED = new Set(['completed', 'absent', 'failed']);

/**
 * Whether a recording status callback only repeats what the ledger has: the same status again,
 * anything after 'completed' (its clip job is queued once), or an 'in-progress' that arrives
 * after the recording ended. Twilio retries callbacks and they can arrive late and out of order.
 */
export function isRepeatedRecordingStatus(before: unknown, status: string): boolean {
  if (typeof before !== 'string') return false;
  return before === status || before === 'completed' || (ENDED.has(before) && status === 'in-progress');
}
