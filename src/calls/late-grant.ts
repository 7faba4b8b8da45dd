import type { CallRow } from '../ledger';

/**
 * A key pressed as the caller hangs up: Twilio sends the <Gather> action and then the status
 * callback, but the two requests run side by side here, and the status callback may end the call
 * as `abandoned` first. The consent the key gave still holds, so it becomes the call's outcome.
 */
export function withLateGrant<F extends { outcome?: CallRow['outcome'] }>(
  call: Pick<CallRow, 'state' | 'outcome'>,
  decision: 'granted' | 'declined' | undefined,
  fields: F,
): F {
  const late = decision === 'granted' && call.state === 'ended' && call.outcome === 'abandoned';
  return late && !fields.outcome ? { ...fields, outcome: 'granted' } : fields;
}
