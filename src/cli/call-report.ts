import type { ConsentRow, Ledger } from '../ledger';

export interface CallReport {
  callSid: string;
  locale: string;
  outcome: 'granted' | 'declined' | 'withdrawn' | 'no_answer' | 'abandoned' | null;
  consentId: string | null;
  purposes: Record<string, boolean>;
  method: 'dtmf' | 'speech' | null;
  routedTo: 'assistant' | 'human' | 'none';
  clip: {
    status: 'pending' | 'stored' | 'none' | 'deleted';
    durationSec?: number;
    /** SHA-256 of the stored ciphertext (the encrypted object in the bucket). */
    storedCiphertextSha256?: string;
    /** SHA-256 of the audio file (the decrypted clip, as `consent clip` writes it). */
    audioFileSha256?: string;
    /** The stored ciphertext's SHA-256 under its first name, kept for scripts that read it. */
    sha256?: string;
    storedAt?: string;
    deletedAt?: string;
    /** Why no clip was kept (status `none`), as its `clip_not_kept` event says. */
    reason?: string;
  };
  consentStatus: ConsentRow['status'] | null;
  notice: string | null;
  /** Where the call was handed over, and the consent token the assistant or the agent was given. */
  handover: { to: string; reason: string; consentToken: string | null } | null;
  events: Array<{ type: string; at: string }>;
}

/** The contract's view of one call, built from the ledger alone. */
export function callReport(ledger: Ledger, callSid: string): CallReport | null {
  const call = ledger.getCall(callSid);
  if (!call) return null;
  const consent = call.consent_id ? ledger.getConsent(call.consent_id) : undefined;
  const clipRow = consent ? ledger.getClip(consent.id) : undefined;
  let clip: CallReport['clip'];
  if (clipRow) {
    clip = { status: clipRow.status };
    if (clipRow.duration_sec !== null) clip.durationSec = clipRow.duration_sec;
    if (clipRow.cipher_sha256) clip.storedCiphertextSha256 = clipRow.cipher_sha256;
    if (clipRow.plain_sha256) clip.audioFileSha256 = clipRow.plain_sha256;
    if (clipRow.cipher_sha256) clip.sha256 = clipRow.cipher_sha256;
    if (clipRow.stored_at) clip.storedAt = clipRow.stored_at;
    if (clipRow.deleted_at) clip.deletedAt = clipRow.deleted_at;
  } else if (consent?.decision === 'granted') {
    clip = { status: consent.status === 'withdrawn' || consent.status === 'expired' ? 'deleted' : 'pending' };
  } else {
    clip = { status: 'none' };
  }
  const events = ledger.eventsForCall(callSid);
  if (clip.status === 'none' && consent) {
    const reason = notKeptReason(events, consent.id);
    if (reason) clip.reason = reason;
  }
  return {
    callSid,
    locale: call.locale,
    outcome: call.outcome,
    consentId: call.consent_id,
    purposes: consent ? (JSON.parse(consent.purposes) as Record<string, boolean>) : {},
    method: call.method,
    routedTo: call.routed_to,
    clip,
    consentStatus: consent?.status ?? null,
    notice: consent?.notice_id ?? noticeHeard(events),
    handover: handoverOf(events),
    events: events.map((e) => ({ type: e.type, at: e.at })),
  };
}

/** The reason the consent's last `clip_not_kept` event gives. */
function notKeptReason(events: Array<{ type: string; consent_id: string | null; data: string }>, id: string) {
  const last = [...events].reverse().find((e) => e.type === 'clip_not_kept' && e.consent_id === id);
  const reason = last ? (JSON.parse(last.data) as { reason?: unknown }).reason : undefined;
  return typeof reason === 'string' ? reason : undefined;
}

/** Without a decision, the notice the caller last heard (disclosure, or the call's first prompt). */
function noticeHeard(events: Array<{ type: string; data: string }>): string | null {
  for (const e of [...events].reverse()) {
    if (e.type !== 'disclosed' && e.type !== 'call_started') continue;
    const notice = (JSON.parse(e.data) as { notice?: unknown }).notice;
    if (typeof notice === 'string') return notice;
  }
  return null;
}

/** The call's last handover event: to whom, why, and with which consent token. */
function handoverOf(events: Array<{ type: string; data: string }>): CallReport['handover'] {
  const last = [...events].reverse().find((e) => e.type === 'handover');
  if (!last) return null;
  const data = JSON.parse(last.data) as { to?: unknown; reason?: unknown; consentToken?: unknown };
  return {
    to: String(data.to ?? ''),
    reason: String(data.reason ?? ''),
    consentToken: typeof data.consentToken === 'string' ? data.consentToken : null,
  };
}
