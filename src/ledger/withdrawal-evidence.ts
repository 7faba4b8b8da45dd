import type { Ledger } from './ledger';

/**
 * What a withdrawal leaves behind as proof that the consent existed until then. Key 0 withdraws
 * every consent of a caller ID anyone can spoof, so the clip goes, but the ledger keeps, in the
 * (append-only, hash-chained) withdrawal event, each consent's decision record and its clip's
 * hashes. No personal data: IDs, hashes, purposes and times only.
 */
export interface ConsentEvidence {
  consentId: string;
  callSid: string;
  decidedAt: string;
  decision: string;
  method: string;
  confidence: number | null;
  noticeId: string;
  purposes: Record<string, boolean>;
  clip: {
    status: string;
    plainSha256: string | null;
    cipherSha256: string | null;
    durationSec: number | null;
    storedAt: string | null;
  } | null;
}

export function consentEvidence(ledger: Ledger, consentId: string): ConsentEvidence | null {
  const c = ledger.getConsent(consentId);
  if (!c) return null;
  const clip = ledger.getClip(consentId);
  return {
    consentId: c.id,
    callSid: c.call_sid,
    decidedAt: c.created_at,
    decision: c.decision,
    method: c.method,
    confidence: c.confidence,
    noticeId: c.notice_id,
    purposes: JSON.parse(c.purposes) as Record<string, boolean>,
    clip: clip
      ? {
          status: clip.status,
          plainSha256: clip.plain_sha256,
          cipherSha256: clip.cipher_sha256,
          durationSec: clip.duration_sec,
          storedAt: clip.stored_at,
        }
      : null,
  };
}

/**
 * How the network vouched for the caller ID (SHAKEN/STIR, Twilio's `StirVerstat`): `A` is full
 * attestation (the carrier knows the caller may use the number); B and C are partial, `failed`
 * and `none` say nothing. Only `A` counts as attested.
 */
export type AttestationLevel = 'A' | 'B' | 'C' | 'failed' | 'none';

export interface Attestation {
  level: AttestationLevel;
  /** Twilio's value as sent (letters, digits and dashes only), or null when absent. */
  verstat: string | null;
}

export function attestationOf(stirVerstat: string | null | undefined): Attestation {
  const verstat = stirVerstat && /^[A-Za-z0-9-]{1,64}$/.test(stirVerstat) ? stirVerstat : null;
  if (!verstat) return { level: 'none', verstat: null };
  const passed = /^TN-Validation-Passed-([ABC])$/i.exec(verstat);
  if (passed) return { level: (passed[1] as string).toUpperCase() as AttestationLevel, verstat };
  return { level: /Failed/i.test(verstat) ? 'failed' : 'none', verstat };
}

/** The attestation recorded when the call came in (see startCall), for a withdrawal later in it. */
export function attestationOfCall(ledger: Ledger, callSid: string): Attestation {
  const data = ledger
    .sql("SELECT data FROM events WHERE call_sid = ? AND type = 'call_started' ORDER BY seq LIMIT 1")
    .pluck()
    .get(callSid) as string | undefined;
  const recorded = data ? (JSON.parse(data) as { attestation?: Attestation }).attestation : undefined;
  return recorded ?? { level: 'none', verstat: null };
}
