import type { JobHandler } from '../jobs/queue';
import { PermanentJobError } from '../jobs/queue';
import type { Ledger } from '../ledger';
import type { PrivacyTexts } from '../privacy/texts';
import type { TwilioApi } from '../twilio/rest';
import { isSmsNumber } from './sms-address';

export const RECEIPT_JOB = 'send_receipt';
/** The receipt names every purpose answered, so it waits for the purpose questions to end. */
const QUESTIONS_GRACE_MS = 30 * 60_000;

/** Once per consent (the dedupe key): queued with the consent, in the same transaction. */
export function enqueueReceipt(ledger: Ledger, consentId: string, at: Date): void {
  ledger.enqueue(
    RECEIPT_JOB,
    { consentId },
    { dedupeKey: `${RECEIPT_JOB}:${consentId}`, runAt: at.getTime() },
  );
}

export interface ReceiptDeps {
  ledger: Ledger;
  twilio: TwilioApi;
  texts: PrivacyTexts;
  company: string;
  publicBaseUrl: string;
  clock?: () => Date;
}

/**
 * Sends the consent receipt by SMS in the caller's language: the consent ID, what they agreed to,
 * how to withdraw (key 0, the /privacy page). The number is read from the consent, sealed with the
 * caller's key, only now; the sending is a ledger event.
 */
export function createReceiptJob(d: ReceiptDeps): JobHandler {
  const now = (): Date => (d.clock ? d.clock() : new Date());
  const { ledger } = d;
  return async (payload, job) => {
    const consent = ledger.getConsent(String(payload.consentId));
    if (!consent) throw new PermanentJobError('unknown consent');
    const call = ledger.getCall(consent.call_sid);
    const questionsOver =
      call?.state === 'ended' ||
      Boolean(
        ledger
          .sql("SELECT 1 FROM events WHERE call_sid = ? AND type IN ('handover', 'withdrawn') LIMIT 1")
          .get(consent.call_sid),
      );
    if (!questionsOver && now().getTime() - Date.parse(job.created_at) < QUESTIONS_GRACE_MS)
      return { retryInMs: 5_000, reason: 'the purpose questions are still going on' };
    const notSent = (reason: string): void =>
      ledger.append([
        {
          type: 'receipt_not_sent',
          callSid: consent.call_sid,
          consentId: consent.id,
          at: now(),
          data: { reason },
        },
      ]);
    if (consent.status !== 'active') return notSent(consent.status);
    const to = ledger.openFor(consent.caller_hash, consent.caller_enc);
    if (!to) return notSent('no_caller_number');
    if (!isSmsNumber(to)) return notSent('caller_not_a_phone_number');
    if (!isSmsNumber(call?.called)) return notSent('no_sender_number');
    const lng = consent.locale;
    const agreed = Object.entries(JSON.parse(consent.purposes) as Record<string, boolean>)
      .filter(([, v]) => v)
      .map(([id]) => d.texts.purpose(lng, id));
    const body = d.texts.t(lng, 'receipt', {
      company: d.company,
      consentId: consent.id,
      purposes: agreed.join(', '),
      url: `${d.publicBaseUrl}/privacy?lng=${encodeURIComponent(lng)}`,
    });
    await d.twilio.sendSms({ to, from: call.called, body });
    ledger.append([
      {
        type: 'receipt_sent',
        callSid: consent.call_sid,
        consentId: consent.id,
        at: now(),
        data: { locale: lng, purposes: JSON.parse(consent.purposes) as Record<string, boolean> },
      },
    ]);
  };
}
