import type { Ledger } from '../ledger';
import { unlinkSubject } from '../ledger/erasure';
import { consentEvidence } from '../ledger/withdrawal-evidence';

export type Channel = 'web' | 'email' | 'phone' | 'letter' | 'cli';
export const CHANNELS: Channel[] = ['web', 'email', 'phone', 'letter', 'cli'];

/**
 * Withdrawal through any channel other than the call itself (web form, e-mail, phone to staff):
 * every active consent of the caller, or one consent, is withdrawn and its clip queued for deletion,
 * in one transaction with the ledger event, exactly as a 0 pressed in a call does.
 */
export function withdraw(
  ledger: Ledger,
  target: { caller?: string; consentId?: string },
  channel: Channel,
  at: Date,
): string[] {
  return ledger.transaction(() => {
    let ids: string[];
    if (target.caller) {
      ids = ledger.withdrawCaller(ledger.callerHash(target.caller), at);
    } else {
      const consent = target.consentId ? ledger.getConsent(target.consentId) : undefined;
      if (!consent) return [];
      if (consent.status !== 'active') return [];
      ledger
        .sql("UPDATE consents SET status = 'withdrawn', withdrawn_at = ?, updated_at = ? WHERE id = ?")
        .run(at.toISOString(), at.toISOString(), consent.id);
      ids = [consent.id];
    }
    for (const id of ids) {
      ledger.enqueue('delete_clip', { consentId: id }, { dedupeKey: `delete_clip:${id}` });
      const consent = ledger.getConsent(id);
      const evidence = consentEvidence(ledger, id);
      ledger.append([
        {
          type: 'withdrawn',
          callSid: consent?.call_sid ?? null,
          consentId: id,
          at,
          data: { channel, reason: `withdrawn via ${channel}`, evidence: evidence ? [evidence] : [] },
        },
      ]);
    }
    return ids;
  });
}

/**
 * Erasure (Art. 17 GDPR): withdraw everything, delete the clips, then destroy the caller's key, so
 * their number and transcripts are unreadable everywhere while the hash chain stays intact.
 */
export function erase(ledger: Ledger, caller: string, channel: Channel, at: Date): { withdrawn: string[] } {
  const withdrawn = withdraw(ledger, { caller }, channel, at);
  const hash = ledger.callerHash(caller);
  ledger.transaction(() => {
    for (const id of ledger
      .sql("SELECT id FROM consents WHERE caller_hash = ? AND decision = 'granted'")
      .pluck()
      .all(hash) as string[])
      ledger.enqueue('delete_clip', { consentId: id }, { dedupeKey: `delete_clip:${id}` });
    // No part of the caller hash goes into the event: it would link the erasure to the number.
    const erasure = unlinkSubject(ledger, hash, at);
    ledger.append([{ type: 'erased', at, data: { channel, erasure } }]);
  });
  return { withdrawn };
}
