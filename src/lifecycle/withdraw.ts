import type { ConsentRow, Ledger } from '../ledger';
import { unlinkSubject } from '../ledger/erasure';
import { consentEvidence } from '../ledger/withdrawal-evidence';
import { enqueueCrmEvent, NO_OUTBOUND, type CrmChannel, type Outbound } from '../outbound/crm-events';
import { newReference, requestDeletion } from './deletion';

/** Channels of a withdrawal outside the call itself. */
export type Channel = 'web' | 'email' | 'phone' | 'letter';
export const CHANNELS: Channel[] = ['web', 'email', 'phone', 'letter'];
export const isChannel = (v: unknown): v is Channel => CHANNELS.includes(v as Channel);

export interface WithdrawRequest {
  /** Every active consent of this number ... */
  caller?: string;
  /** ... or of this caller hash (the /privacy pages know the hash, not the number) ... */
  callerHash?: string;
  /** ... or this one consent. */
  consentId?: string;
  /** Only these purposes; none or empty: all of them. */
  purposes?: string[];
  channel: Channel;
  at: Date;
  outbound?: Outbound;
  /** Staff withdrawals: the ticket they came with, and a note (sealed with the caller's key). */
  ticket?: string;
  note?: string;
  actor?: string;
}

export interface WithdrawResult {
  reference: string;
  consents: Array<{ consentId: string; purposes: string[]; full: boolean }>;
}

const granted = (c: ConsentRow): string[] =>
  Object.entries(JSON.parse(c.purposes) as Record<string, boolean>)
    .filter(([, v]) => v)
    .map(([k]) => k);

/**
 * One withdrawal, whatever the channel, in one transaction: the consents (or some of their
 * purposes) end, the clips of fully withdrawn consents are queued for deletion, the ledger records
 * it, the CRM hears of it and a deletion certificate is started: the same operation as key 0.
 * A consent left with no purpose is withdrawn as a whole.
 */
export function withdrawConsents(ledger: Ledger, r: WithdrawRequest): WithdrawResult {
  const reference = newReference(r.at);
  const outbound = r.outbound ?? NO_OUTBOUND;
  return ledger.transaction(() => {
    const hash = r.callerHash ?? (r.caller ? ledger.callerHash(r.caller) : null);
    const candidates: ConsentRow[] = hash
      ? (ledger
          .sql("SELECT * FROM consents WHERE caller_hash = ? AND status = 'active' ORDER BY created_at")
          .all(hash) as ConsentRow[])
      : [ledger.getConsent(r.consentId ?? '')].filter((c): c is ConsentRow => c?.status === 'active');
    const chosen = r.purposes && r.purposes.length > 0 ? new Set(r.purposes) : null;
    const result: WithdrawResult = { reference, consents: [] };
    for (const consent of candidates) {
      const has = granted(consent);
      const ending = chosen ? has.filter((p) => chosen.has(p)) : has;
      if (chosen && ending.length === 0) continue;
      const full = ending.length === has.length;
      // Read before anything changes: the proof of what the consent was until now.
      const evidence = consentEvidence(ledger, consent.id);
      if (full) {
        ledger.withdrawConsent(consent.id, r.at);
        ledger.enqueue('delete_clip', { consentId: consent.id }, { dedupeKey: `delete_clip:${consent.id}` });
      } else {
        const purposes = JSON.parse(consent.purposes) as Record<string, boolean>;
        for (const p of ending) purposes[p] = false;
        ledger.setConsentPurposes(consent.id, purposes, null, r.at);
      }
      ledger.append([
        {
          type: 'withdrawn',
          callSid: consent.call_sid,
          consentId: consent.id,
          at: r.at,
          data: {
            channel: r.channel,
            reason: `withdrawn via ${r.channel}`,
            reference,
            purposes: ending,
            partial: !full,
            evidence: evidence ? [evidence] : [],
            ...(r.ticket ? { ticket: r.ticket } : {}),
            ...(r.actor ? { by: r.actor } : {}),
            ...(r.note ? { note: ledger.sealFor(consent.caller_hash, r.note) } : {}),
          },
        },
      ]);
      afterWithdrawal(ledger, outbound, {
        consentId: consent.id,
        channel: r.channel,
        at: r.at,
        reference,
        purposes: full ? undefined : ending,
      });
      result.consents.push({ consentId: consent.id, purposes: ending, full });
    }
    return result;
  });
}

/**
 * What follows any withdrawal already written to the consents table (key 0 in a call writes its
 * own rows): the CRM event and the deletion certificate's request. Inside the caller's transaction.
 */
export function afterWithdrawal(
  ledger: Ledger,
  outbound: Outbound,
  w: { consentId: string; channel: CrmChannel; at: Date; reference: string; purposes?: string[] },
): void {
  const consent = ledger.getConsent(w.consentId);
  if (!consent) return;
  const shown =
    w.purposes === undefined ? { ...consent, purposes: JSON.stringify(allFalse(consent)) } : consent;
  const webhookId = enqueueCrmEvent(ledger, outbound, {
    type: 'consent.withdrawn',
    consent: shown,
    channel: w.channel,
    at: w.at,
    reference: w.reference,
  });
  requestDeletion(ledger, {
    consentId: consent.id,
    reason: 'withdrawn',
    channel: w.channel,
    reference: w.reference,
    at: w.at,
    crmWebhookId: webhookId,
    purposes: w.purposes,
  });
}

export function allFalse(consent: ConsentRow): Record<string, boolean> {
  const purposes = JSON.parse(consent.purposes) as Record<string, boolean>;
  return Object.fromEntries(Object.keys(purposes).map((k) => [k, false]));
}

/**
 * Erasure (Art. 17 GDPR): withdraw everything, delete the clips, then destroy the caller's key, so
 * their number and transcripts are unreadable everywhere while the hash chain stays intact. The
 * CRM hears `subject.erased` per consent, with the number captured before the key is gone.
 */
export function eraseCaller(
  ledger: Ledger,
  caller: string,
  channel: Channel,
  at: Date,
  outbound: Outbound = NO_OUTBOUND,
): WithdrawResult {
  const withdrawn = withdrawConsents(ledger, { caller, channel, at, outbound });
  const hash = ledger.callerHash(caller);
  ledger.transaction(() => {
    const consents = ledger
      .sql("SELECT * FROM consents WHERE caller_hash = ? AND decision = 'granted'")
      .all(hash) as ConsentRow[];
    const webhooks: Array<{ consentId: string; webhookId: string | null }> = [];
    for (const consent of consents) {
      ledger.enqueue('delete_clip', { consentId: consent.id }, { dedupeKey: `delete_clip:${consent.id}` });
      const webhookId = enqueueCrmEvent(ledger, outbound, {
        type: 'subject.erased',
        consent: { ...consent, purposes: JSON.stringify(allFalse(consent)) },
        channel,
        at,
        reference: withdrawn.reference,
        status: 'erased',
        caller: ledger.openFor(consent.caller_hash, consent.caller_enc),
      });
      webhooks.push({ consentId: consent.id, webhookId });
    }
    // No part of the caller hash goes into the event or the certificate: it would link the erasure
    // to the number. The erasure's pseudonym names the destroyed key instead.
    const erasure = unlinkSubject(ledger, hash, at);
    for (const w of webhooks)
      requestDeletion(ledger, {
        consentId: w.consentId,
        reason: 'erased',
        channel,
        reference: withdrawn.reference,
        at,
        crmWebhookId: w.webhookId,
        erasure,
      });
    ledger.append([{ type: 'erased', at, data: { channel, erasure, reference: withdrawn.reference } }]);
  });
  return withdrawn;
}
