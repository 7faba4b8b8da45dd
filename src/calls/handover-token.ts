import { signConsentToken, type ConsentClaims } from '../crypto/consent-token';
import type { CallState, Step } from '../flow/types';
import type { Ledger } from '../ledger';
import { enqueueCrmEvent, type Outbound } from '../outbound/crm-events';

/**
 * The consent token of a handover (to the AI assistant or to a person), minted in the webhook's
 * transaction once the consent ID is known, so that the very token the assistant or agent gets
 * is recorded in the `handover` event (and shown in the portal), and goes to the CRM with a
 * `consent.handover` event where the operator asks for those. A repeated webhook gets the same
 * token back, not a second one.
 */
export interface HandoverTokenRequest {
  iss: string;
  ttlSeconds: number;
  /** The caller's consent holds past the handover (the assistant, or a person after a yes). */
  holds: boolean;
  /** What the token says when the consent does not hold. */
  status: Exclude<ConsentClaims['status'], 'granted'>;
  locale: string;
  /** The purposes answered so far (only told when the consent holds). */
  purposes: Record<string, boolean>;
  to: 'assistant' | 'human';
  reason: string;
}

export function mintHandoverToken(
  ledger: Ledger,
  r: HandoverTokenRequest,
  c: { callSid: string; consentId: string | null; at: Date },
): string {
  const iat = Math.floor(c.at.getTime() / 1000);
  const granted = r.holds && c.consentId !== null;
  return signConsentToken(ledger.signingKey('consent-token'), {
    iss: r.iss,
    sub: granted && c.consentId ? c.consentId : 'none',
    call: c.callSid,
    purposes: granted ? r.purposes : {},
    status: granted ? 'granted' : r.status,
    locale: r.locale,
    iat,
    exp: iat + r.ttlSeconds,
  });
}

/** The token recorded with the call's handover, for a webhook Twilio repeats. */
export function recordedHandoverToken(ledger: Ledger, callSid: string): string | null {
  for (const e of [...ledger.eventsForCall(callSid)].reverse()) {
    if (e.type !== 'handover') continue;
    const token = (JSON.parse(e.data) as { consentToken?: unknown }).consentToken;
    if (typeof token === 'string') return token;
  }
  return null;
}

/** A person takes the call: their system hears of it with the token, where the operator asks for it. */
export function enqueueHandoverEvent(
  ledger: Ledger,
  outbound: Outbound,
  h: { consentId: string | null; token: string; to: 'assistant' | 'human'; reason: string; at: Date },
): void {
  if (!outbound.handovers || h.to !== 'human' || !h.consentId) return;
  const consent = ledger.getConsent(h.consentId);
  if (!consent) return;
  enqueueCrmEvent(ledger, outbound, {
    type: 'consent.handover',
    consent,
    channel: 'call',
    at: h.at,
    handover: { consentToken: h.token, to: h.to, reason: h.reason },
  });
}

/** What the token of a handover step says, decided from the step before the ledger is written. */
export function handoverTokenRequest(
  step: Step,
  state: Pick<CallState, 'lng' | 'ans'>,
  c: { publicBaseUrl: string; consentTokenTtlSeconds: number },
): HandoverTokenRequest | undefined {
  if (step.kind !== 'assistant' && step.kind !== 'human') return undefined;
  const human = step.kind === 'human' ? step : null;
  return {
    iss: c.publicBaseUrl,
    ttlSeconds: c.consentTokenTtlSeconds,
    holds: human ? human.consentHolds : true,
    status: human?.reason === 'withdrawn' ? 'withdrawn' : human?.reason === 'declined' ? 'declined' : 'none',
    locale: state.lng,
    purposes: state.ans,
    to: human ? 'human' : 'assistant',
    reason: human ? human.reason : 'consent given',
  };
}
