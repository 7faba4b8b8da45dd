import type { CallRow, Ledger } from '../ledger';
import { parsePurposes } from './consents';
import type { TimelineEvent } from './timeline-words';

/**
 * One call as the ledger knows it, with or without a consent: what the caller heard, each step,
 * the handover, and the same caller's other decisions. The call page and the consent page read it.
 */
export interface HeardNotice {
  id: string;
  locale: string;
  content: string;
  at: string;
  /** complete: played to its end; language_switch: played again in a new language; started: the call ended before it finished. */
  played: 'complete' | 'language_switch' | 'started';
}

export interface HistoryItem {
  at: string;
  type: string;
  consentId: string | null;
  callSid: string | null;
  /** The purpose the decision was about (purpose questions), or the consent's purposes (main decision). */
  purpose: string | null;
  purposes: Record<string, boolean> | null;
}

export interface CallDetail {
  call: Pick<
    CallRow,
    | 'call_sid'
    | 'created_at'
    | 'ended_at'
    | 'locale'
    | 'country'
    | 'called'
    | 'outcome'
    | 'routed_to'
    | 'state'
  > & { caller: string | null };
  consents: Array<{
    id: string;
    createdAt: string;
    decision: string;
    status: string;
    purposes: Record<string, boolean>;
  }>;
  notices: HeardNotice[];
  events: Array<TimelineEvent & { hash: string }>;
  /** Answer seq → the classifier's full reason, opened with the caller's key (gone once erased). */
  fullReasons: Map<number, string>;
  handover: {
    at: string;
    to: string;
    reason: string;
    consentHolds: boolean;
    /** The consent token the assistant or the agent was given. */
    consentToken: string | null;
  } | null;
  history: HistoryItem[];
}

const DECISIONS = ['granted', 'declined', 'withdrawn', 'handover', 'minor_declared', 'expired'];

/** Every decision, withdrawal and handover of one caller (by caller hash), newest first. */
export function callerHistory(ledger: Ledger, callerHash: string | null): HistoryItem[] {
  if (!callerHash) return [];
  const sids = ledger.db
    .prepare('SELECT call_sid FROM calls WHERE caller_hash = ?')
    .pluck()
    .all(callerHash) as string[];
  const purposesOf = new Map<string, Record<string, boolean> | null>();
  const consentPurposes = (id: string | null): Record<string, boolean> | null => {
    if (!id) return null;
    if (!purposesOf.has(id)) {
      const c = ledger.getConsent(id);
      purposesOf.set(id, c ? parsePurposes(c.purposes) : null);
    }
    return purposesOf.get(id) ?? null;
  };
  const out: HistoryItem[] = [];
  for (const sid of sids)
    for (const e of ledger.eventsForCall(sid)) {
      if (!DECISIONS.includes(e.type)) continue;
      const data = JSON.parse(e.data) as Record<string, unknown>;
      const purpose = typeof data.purpose === 'string' ? data.purpose : null;
      out.push({
        at: e.at,
        type: e.type,
        consentId: e.consent_id,
        callSid: e.call_sid,
        purpose,
        purposes: purpose ? null : consentPurposes(e.consent_id),
      });
    }
  return out.sort((a, b) => b.at.localeCompare(a.at));
}

function noticesHeard(ledger: Ledger, events: readonly TimelineEvent[]): HeardNotice[] {
  const out: HeardNotice[] = [];
  const add = (id: unknown, at: string, played: HeardNotice['played']): void => {
    if (typeof id !== 'string' || out.some((n) => n.id === id)) return;
    const n = ledger.getNotice(id);
    if (n) out.push({ id, locale: n.locale, content: n.content, at, played });
  };
  for (const e of events)
    if (e.type === 'disclosed')
      add(e.data.notice, e.at, e.data.played === 'language_switch' ? 'language_switch' : 'complete');
  // Hung up during the disclosure: what was being played when the call ended.
  if (out.length === 0) {
    const started = events.find((e) => e.type === 'call_started');
    if (started) add(started.data.notice, started.at, 'started');
  }
  return out;
}

function fullReasons(
  ledger: Ledger,
  callerHash: string | null,
  events: readonly TimelineEvent[],
): Map<number, string> {
  const out = new Map<number, string>();
  for (const e of events) {
    if (e.type !== 'answer' || typeof e.data.words_enc !== 'string') continue;
    const opened = ledger.openFor(callerHash, e.data.words_enc);
    if (!opened) continue;
    try {
      const words = JSON.parse(opened) as { reason?: unknown };
      if (typeof words.reason === 'string') out.set(e.seq, words.reason);
    } catch {
      // A sealed value that is not the JSON we write: show the redacted reason instead.
    }
  }
  return out;
}

export function callDetail(ledger: Ledger, callSid: string): CallDetail | null {
  const call = ledger.getCall(callSid);
  if (!call) return null;
  const events = ledger.eventsForCall(callSid).map((e) => ({
    seq: e.seq,
    at: e.at,
    type: e.type,
    data: JSON.parse(e.data) as Record<string, unknown>,
    hash: e.hash,
  }));
  const consents = (
    ledger.db.prepare('SELECT * FROM consents WHERE call_sid = ? ORDER BY created_at').all(callSid) as Array<{
      id: string;
      created_at: string;
      decision: string;
      status: string;
      purposes: string;
    }>
  ).map((c) => ({
    id: c.id,
    createdAt: c.created_at,
    decision: c.decision,
    status: c.status,
    purposes: parsePurposes(c.purposes),
  }));
  const handoverEvent = [...events].reverse().find((e) => e.type === 'handover');
  return {
    call: {
      call_sid: call.call_sid,
      created_at: call.created_at,
      ended_at: call.ended_at,
      locale: call.locale,
      country: call.country,
      called: call.called,
      outcome: call.outcome,
      routed_to: call.routed_to,
      state: call.state,
      caller: ledger.openFor(call.caller_hash, call.caller_enc),
    },
    consents,
    notices: noticesHeard(ledger, events),
    events,
    fullReasons: fullReasons(ledger, call.caller_hash, events),
    handover: handoverEvent
      ? {
          at: handoverEvent.at,
          to: String(handoverEvent.data.to ?? ''),
          reason: String(handoverEvent.data.reason ?? ''),
          consentHolds: handoverEvent.data.consentHolds === true,
          consentToken:
            typeof handoverEvent.data.consentToken === 'string' ? handoverEvent.data.consentToken : null,
        }
      : null,
    history: callerHistory(ledger, call.caller_hash),
  };
}
