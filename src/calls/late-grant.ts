import type { CallRow, Ledger } from '../ledger';

/**
 * A key pressed as the caller hangs up: Twilio sends the <Gather> action and then the status
 * callback, but the two requests run side by side here, and the status callback may end the call
 * as `abandoned` first. The consent the key gave still holds, so it becomes the call's outcome;
 * if the recording was already given up meanwhile, the consent says it has no clip (see below).
 */
export function withLateGrant<F extends { outcome?: CallRow['outcome'] }>(
  ledger: Ledger,
  call: Pick<CallRow, 'call_sid' | 'state' | 'outcome'>,
  decision: 'granted' | 'declined' | undefined,
  consentId: string | null,
  fields: F,
  at: Date,
): F {
  if (!isLateGrant(call, decision)) return fields;
  noteLateGrantWithoutClip(ledger, call.call_sid, consentId, at);
  return fields.outcome ? fields : { ...fields, outcome: 'granted' };
}

function isLateGrant(call: Pick<CallRow, 'state' | 'outcome'>, decision: string | undefined): boolean {
  return decision === 'granted' && call.state === 'ended' && call.outcome === 'abandoned';
}

/** Why a late consent has no clip: said in its `clip_not_kept` event and by `consent call --json`. */
export const LATE_GRANT_NO_CLIP = 'recording already deleted: the answer arrived after the call had ended';

/**
 * A late grant whose recording was already dealt with as that of an abandoned call (no clip kept,
 * Twilio's copy deleted or being deleted): no clip can be cut any more. The consent says so
 * (clip `none`, and a `clip_not_kept` event giving the reason) instead of waiting for a clip
 * forever. A recording not yet dealt with finds the consent and is clipped as usual.
 */
function noteLateGrantWithoutClip(ledger: Ledger, callSid: string, consentId: string | null, at: Date): void {
  if (!consentId) return;
  const recordings = ledger
    .sql(
      `SELECT json_extract(data, '$.recordingSid') FROM events WHERE call_sid = ? AND consent_id IS NULL
       AND type IN ('clip_not_kept', 'clip_failed') ORDER BY seq`,
    )
    .pluck()
    .all(callSid) as string[];
  if (recordings.length === 0) return;
  const recordingSid = recordings[recordings.length - 1] ?? null;
  ledger.upsertClip({
    consent_id: consentId,
    call_sid: callSid,
    recording_sid: recordingSid,
    status: 'none',
  });
  ledger.append([
    {
      type: 'clip_not_kept',
      callSid,
      consentId,
      at,
      data: { recordingSid, reason: LATE_GRANT_NO_CLIP },
    },
  ]);
}
