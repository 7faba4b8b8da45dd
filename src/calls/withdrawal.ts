import type { Ledger } from '../ledger';
import {
  attestationOf,
  attestationOfCall,
  consentEvidence,
  type Attestation,
  type ConsentEvidence,
} from '../ledger/withdrawal-evidence';

/** Key 0 withdraws everything the caller ID has given; an under-age caller only this call's consent. */
export type WithdrawScope = 'caller' | 'call';

export interface CallWithdrawal {
  consents: string[];
  scope: WithdrawScope;
  /** Where the withdrawal came from and how far its caller ID can be trusted. */
  fromCall: string;
  attestation: Attestation;
  /** Per withdrawn consent: the decision record and clip hashes, as they stood. */
  evidence: ConsentEvidence[];
}

/**
 * Withdraws, inside the answer's transaction, and queues the deletion of the clips. The evidence
 * is read before anything changes, so it shows what the consent was, not what it became.
 */
export function withdrawInCall(
  ledger: Ledger,
  a: {
    callSid: string;
    callerHash: string | null;
    thisCallConsent: string | null;
    scope: WithdrawScope;
    stirVerstat: string | null;
    at: Date;
  },
): CallWithdrawal {
  const candidates =
    a.scope === 'caller' && a.callerHash
      ? (ledger
          .sql("SELECT id FROM consents WHERE caller_hash = ? AND status = 'active' ORDER BY created_at")
          .pluck()
          .all(a.callerHash) as string[])
      : [];
  if (a.thisCallConsent && !candidates.includes(a.thisCallConsent)) candidates.push(a.thisCallConsent);
  const evidence = candidates
    .map((id) => consentEvidence(ledger, id))
    .filter((e): e is ConsentEvidence => e !== null);
  const consents = candidates.filter((id) => ledger.withdrawConsent(id, a.at));
  for (const id of consents)
    ledger.enqueue('delete_clip', { consentId: id }, { dedupeKey: `delete_clip:${id}` });
  const fromRequest = attestationOf(a.stirVerstat);
  return {
    consents,
    scope: a.scope,
    fromCall: a.callSid,
    attestation: fromRequest.verstat ? fromRequest : attestationOfCall(ledger, a.callSid),
    evidence: evidence.filter((e) => consents.includes(e.consentId)),
  };
}
