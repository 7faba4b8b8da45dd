import type { ConsentRow, Ledger } from '../ledger';
import { enqueueCrmEvent, NO_OUTBOUND, type Outbound } from '../outbound/crm-events';
import { newReference, requestDeletion } from './deletion';

/**
 * The one way a consent ends by retention. Everything that must happen when a consent expires is
 * here, in the caller's transaction: the status, the ledger event, the deletion of its clip (and
 * with it the clip's data key) as a durable job, and the shredding of the caller's personal data
 * that was held only for this consent. Other systems that must hear of an expiry (CRM events,
 * deletion certificates) hook in here too, so no path can expire a consent without them.
 *
 * Returns false, changing nothing, when the consent is not active any more (withdrawn, expired
 * by another process a moment earlier): applying retention twice does it once.
 */
export function expireConsent(
  ledger: Ledger,
  consentId: string,
  a: { at: Date; purposes: string[]; outbound?: Outbound },
): boolean {
  return ledger.transaction(() => {
    const at = a.at.toISOString();
    // The write comes first, so two processes serialise on it and only one finds the consent active.
    const changed = ledger
      .sql(
        "UPDATE consents SET status = 'expired', expired_at = ?, updated_at = ? WHERE id = ? AND status = 'active'",
      )
      .run(at, at, consentId).changes;
    if (changed !== 1) return false;
    const consent = ledger.getConsent(consentId) as ConsentRow;
    markEnded(ledger, consent, a.purposes, at);
    ledger.enqueue(
      'delete_clip',
      { consentId, reason: 'expired' },
      { dedupeKey: `delete_clip:${consentId}` },
    );
    ledger.append([
      {
        type: 'expired',
        callSid: consent.call_sid,
        consentId,
        at: a.at,
        data: { purposes: a.purposes, channel: 'retention', reason: 'retention period elapsed' },
      },
    ]);
    // Before the shredding: the CRM event carries the number, read while it still can be.
    tellOthers(ledger, consent, a.at, a.outbound ?? NO_OUTBOUND, null);
    shredHeldOnlyFor(ledger, consent, a.at);
    return true;
  });
}

/** Some granted purposes of a consent ended while others go on: the consent and its clip stay. */
export function endPurposes(
  ledger: Ledger,
  consentId: string,
  a: { at: Date; purposes: string[]; outbound?: Outbound },
): boolean {
  return ledger.transaction(() => {
    const consent = ledger.getConsent(consentId);
    if (!consent || consent.status !== 'active' || a.purposes.length === 0) return false;
    const fresh = a.purposes.filter((p) => !(p in endedOf(consent)));
    if (fresh.length === 0) return false;
    markEnded(ledger, consent, fresh, a.at.toISOString());
    ledger.append([
      {
        type: 'purpose_expired',
        callSid: consent.call_sid,
        consentId,
        at: a.at,
        data: { purposes: fresh, channel: 'retention' },
      },
    ]);
    tellOthers(ledger, consent, a.at, a.outbound ?? NO_OUTBOUND, fresh);
    return true;
  });
}

/**
 * The CRM hears `consent.expired` (the ended purposes false; all of them when the consent ended),
 * and a deletion certificate is started, as for a withdrawal.
 */
function tellOthers(
  ledger: Ledger,
  consent: ConsentRow,
  at: Date,
  outbound: Outbound,
  ended: string[] | null,
): void {
  const purposes = JSON.parse(consent.purposes) as Record<string, boolean>;
  for (const p of Object.keys(purposes)) if (ended === null || ended.includes(p)) purposes[p] = false;
  const reference = newReference(at);
  const webhookId = enqueueCrmEvent(ledger, outbound, {
    type: 'consent.expired',
    consent: { ...consent, purposes: JSON.stringify(purposes) },
    channel: 'retention',
    at,
    reference,
    status: ended === null ? 'expired' : 'active',
  });
  requestDeletion(ledger, {
    consentId: consent.id,
    reason: 'expired',
    channel: 'retention',
    reference,
    at,
    crmWebhookId: webhookId,
    purposes: ended ?? undefined,
  });
}

export function endedOf(consent: Pick<ConsentRow, 'purposes_ended'>): Record<string, string> {
  return JSON.parse(consent.purposes_ended || '{}') as Record<string, string>;
}

function markEnded(ledger: Ledger, consent: ConsentRow, purposes: string[], at: string): void {
  const ended = { ...endedOf(consent), ...Object.fromEntries(purposes.map((p) => [p, at])) };
  ledger
    .sql('UPDATE consents SET purposes_ended = ?, updated_at = ? WHERE id = ?')
    .run(JSON.stringify(ended), at, consent.id);
}

/**
 * The caller's number and answer kept for this consent go; so does the number on its call when no
 * other live consent came from that call; and the caller's key is destroyed when nothing else of
 * theirs is left to read. Data kept for another consent of the same caller is not touched.
 */
function shredHeldOnlyFor(ledger: Ledger, consent: ConsentRow, at: Date): void {
  ledger.sql('UPDATE consents SET caller_enc = NULL, input_enc = NULL WHERE id = ?').run(consent.id);
  const liveOnCall = ledger
    .sql("SELECT COUNT(*) FROM consents WHERE call_sid = ? AND status = 'active'")
    .pluck()
    .get(consent.call_sid) as number;
  if (liveOnCall === 0)
    ledger.sql('UPDATE calls SET caller_enc = NULL WHERE call_sid = ?').run(consent.call_sid);
  const hash = consent.caller_hash;
  if (!hash) return;
  const stillHeld = ledger
    .sql(
      `SELECT (SELECT COUNT(*) FROM consents WHERE caller_hash = ? AND (caller_enc IS NOT NULL OR input_enc IS NOT NULL))
            + (SELECT COUNT(*) FROM calls WHERE caller_hash = ? AND caller_enc IS NOT NULL)`,
    )
    .pluck()
    .get(hash, hash) as number;
  if (stillHeld === 0) ledger.shredSubject(hash, at);
}
