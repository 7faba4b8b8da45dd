import type { CallRow, Ledger } from '../ledger';
import { isSmsNumber } from '../outbound/sms-address';

/**
 * The privacy page by SMS goes to a caller ID anyone can spoof, and every message costs money:
 * 9 → SMS → 9 → SMS … would pump messages to a number of the attacker's choosing. So at most one
 * per call and a few per number a day, counted from the ledger's own events (durable, shared by
 * every process, and nothing extra to erase).
 */
export const PRIVACY_SMS_PER_NUMBER_PER_DAY = 3;
const DAY_MS = 24 * 60 * 60_000;

export type SmsDecision =
  | { queued: true }
  | {
      queued: false;
      reason: 'one_per_call' | 'daily_limit' | 'withheld_number' | 'caller_not_a_phone_number';
    };

export function queuePrivacySms(ledger: Ledger, call: CallRow, locale: string, at: Date): SmsDecision {
  const inCall = ledger
    .sql("SELECT 1 FROM events WHERE call_sid = ? AND type = 'privacy_sms_queued' LIMIT 1")
    .get(call.call_sid);
  let decision: SmsDecision = { queued: true };
  if (inCall) decision = { queued: false, reason: 'one_per_call' };
  else if (!call.caller_hash) decision = { queued: false, reason: 'withheld_number' };
  // A SIP or Client caller has no phone for the SMS: say so now rather than promise one.
  else if (!isSmsNumber(ledger.callerNumber(call)))
    decision = { queued: false, reason: 'caller_not_a_phone_number' };
  else {
    const today = ledger
      .sql(
        `SELECT COUNT(*) FROM calls c JOIN events e ON e.call_sid = c.call_sid AND e.type = 'privacy_sms_queued'
         WHERE c.caller_hash = ? AND e.at >= ?`,
      )
      .pluck()
      .get(call.caller_hash, new Date(at.getTime() - DAY_MS).toISOString()) as number;
    if (today >= PRIVACY_SMS_PER_NUMBER_PER_DAY) decision = { queued: false, reason: 'daily_limit' };
  }
  if (decision.queued) {
    ledger.enqueue(
      'send_sms',
      { callSid: call.call_sid, locale },
      { dedupeKey: `privacy_sms:${call.call_sid}` },
    );
    ledger.append([
      { type: 'privacy_sms_queued', callSid: call.call_sid, at, data: { kind: 'privacy_link' } },
    ]);
  } else {
    ledger.append([
      {
        type: 'sms_not_sent',
        callSid: call.call_sid,
        at,
        data: { kind: 'privacy_link', reason: decision.reason },
      },
    ]);
  }
  return decision;
}
