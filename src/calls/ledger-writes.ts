import type { FlowEvent } from '../flow/types';
import type { CallRow, Ledger, Method, NewEvent } from '../ledger';
import { getLater } from '../ledger/driver';
import { attestationOf } from '../ledger/withdrawal-evidence';
import { callChanges } from '../lifecycle/call-changes';
import { NO_OUTBOUND, type Outbound } from '../outbound/crm-events';
import { withoutQuotes } from './caller-words';
import { dialEnded } from './dial-writes';
import { recording } from './recording-writes';
import {
  enqueueHandoverEvent,
  mintHandoverToken,
  recordedHandoverToken,
  type HandoverTokenRequest,
} from './handover-token';
import { queuePrivacySms } from './privacy-sms';
import { withLateGrant } from './late-grant';
import { withdrawInCall, type CallWithdrawal, type WithdrawScope } from './withdrawal';

/**
 * What the voice webhooks write, as commands of plain data: the webhook decides (flow, intents),
 * the command writes, inside one transaction, reading the rows it needs there so that two
 * webhooks of one call cannot write on a stale view. Commands may run on the writer thread.
 */

/** The exact notice a caller heard, with its content hash; the ledger stores it once. */
export interface NoticeRef {
  id: string;
  locale: string;
  content: string;
  /** The notice version (all languages) this text belongs to; absent when none plays. */
  version?: string;
  /** The A/B wording variant the call heard; absent: the live wording. */
  variant?: string;
}

type CallFields = Parameters<Ledger['updateCall']>[1];

function storeNotice(ledger: Ledger, n: NoticeRef): string {
  return ledger.storeNotice({ id: n.id, locale: n.locale, content: n.content, kind: 'text' });
}

function startCall(
  ledger: Ledger,
  a: {
    callSid: string;
    from: string | null;
    called: string | null;
    country: string | null;
    locale: string;
    notice: NoticeRef;
    /** Twilio's SHAKEN/STIR verdict on the caller ID, kept for a withdrawal later in the call. */
    stirVerstat?: string | null;
    at: Date;
  },
): boolean {
  const created = ledger.startCall(a);
  // A retried webhook finds the call and adds nothing: one call, one call_started.
  if (created)
    ledger.append([
      {
        type: 'call_started',
        callSid: a.callSid,
        at: a.at,
        data: {
          locale: a.locale,
          country: a.country,
          notice: storeNotice(ledger, a.notice),
          ...(a.notice.version ? { noticeVersion: a.notice.version } : {}),
          ...(a.notice.variant ? { variant: a.notice.variant } : {}),
          attestation: attestationOf(a.stirVerstat),
        },
      },
    ]);
  return created;
}

/**
 * The disclosure played to its end and recording starts: written once per call. A repeated
 * /voice/consent adds nothing and keeps the first start, so the clip is cut where it began.
 * Returns the recording start (ms).
 */
function disclosed(ledger: Ledger, a: { callSid: string; notice: NoticeRef; at: Date }): number {
  const call = ledger.getCall(a.callSid);
  if (!call) throw new Error(`unknown call ${a.callSid}`);
  if (call.recording_started_ms !== null) return call.recording_started_ms;
  ledger.append([
    {
      type: 'disclosed',
      callSid: a.callSid,
      at: a.at,
      data: { locale: a.notice.locale, notice: storeNotice(ledger, a.notice), played: 'complete' },
    },
    { type: 'recording_requested', callSid: a.callSid, at: a.at, data: {} },
  ]);
  ledger.updateCall(a.callSid, { recording_started_ms: a.at.getTime() }, a.at);
  return a.at.getTime();
}

export interface AnswerWrite {
  callSid: string;
  at: Date;
  locale: string;
  notice: NoticeRef;
  /** The caller switched language: the disclosure is played again, in this notice's locale. */
  redisclosed?: NoticeRef;
  /** The question this answers (see CallService); a repeat of the same webhook writes nothing. */
  question: string;
  /** The consent open before this answer (state.cid). */
  openConsentId: string | null;
  /** A decision on the main question: a new consent record. */
  decision?: {
    decision: 'granted' | 'declined';
    method: Method;
    input: string | null;
    confidence: number | null;
    purposes: Record<string, boolean>;
    clipStartMs: number | null;
  };
  /** The open consent's purposes changed or the purpose questions ended. */
  purposes?: { granted: Record<string, boolean>; closesClip: boolean };
  /** Key 0 (every consent of the number) or an under-age caller (this call's consent only). */
  withdraw: WithdrawScope | null;
  /** The StirVerstat Twilio sent with this request, if any. */
  stirVerstat: string | null;
  sendPrivacySms: boolean;
  answer: Record<string, unknown>;
  /** What the caller said and the classifier's full reason: stored only sealed with their key. */
  words: string | null;
  events: FlowEvent[];
  call: Omit<CallFields, 'consent_id'>;
  /** Which other systems hear of decisions and withdrawals (CRM, receipts). */
  outbound?: Outbound;
  /** The step hands the caller over: mint its consent token here, once the consent ID is known. */
  handoverToken?: HandoverTokenRequest;
}

/** `smsQueued` says whether a requested privacy SMS will go out, so the caller is told the truth. */
export interface AnswerResult {
  consentId: string | null;
  smsQueued: boolean | null;
  /** The handover's consent token, as recorded in its `handover` event. */
  consentToken: string | null;
}

function answer(ledger: Ledger, a: AnswerWrite): AnswerResult {
  // Twilio repeats a webhook whose answer it did not get; the first one decided, once. Read with
  // the call (one round trip on PostgreSQL): neither read depends on the other.
  const earlierAnswer = getLater(
    ledger.sql(
      "SELECT consent_id FROM events WHERE call_sid = ? AND type = 'answer' AND json_extract(data, '$.question') = ?",
    ),
    a.callSid,
    a.question,
  );
  const call = ledger.getCall(a.callSid);
  if (!call) throw new Error(`unknown call ${a.callSid}`);
  const earlier = earlierAnswer() as { consent_id: string | null } | undefined;
  if (earlier) {
    const queued = a.sendPrivacySms
      ? Boolean(
          ledger
            .sql("SELECT 1 FROM events WHERE call_sid = ? AND type = 'privacy_sms_queued' LIMIT 1")
            .get(a.callSid),
        )
      : null;
    const consentToken = a.handoverToken ? recordedHandoverToken(ledger, a.callSid) : null;
    return { consentId: earlier.consent_id, smsQueued: queued, consentToken };
  }
  // An answer that arrives after the call ended (its request overtaken by the status callback) is
  // still the caller's decision and recorded as such; what the call would do next cannot happen.
  const over = call.state === 'ended';
  if (over) a = afterTheEnd(a);
  // The state is sealed to this call; this also holds should the sealing key ever leak.
  if (a.openConsentId && ledger.getConsent(a.openConsentId)?.call_sid !== a.callSid)
    throw new Error('the consent named in the call state does not belong to this call');
  const end = a.at.getTime();
  let consentId = a.openConsentId;
  if (a.decision)
    consentId = ledger.createConsent({
      callSid: a.callSid,
      callerHash: call.caller_hash,
      callerEnc: call.caller_enc,
      locale: a.locale,
      method: a.decision.method,
      input: a.decision.input,
      confidence: a.decision.confidence,
      noticeId: storeNotice(ledger, a.notice),
      decision: a.decision.decision,
      purposes: a.decision.purposes,
      clipStartMs: a.decision.clipStartMs,
      clipEndMs: end,
      at: a.at,
    });
  if (a.openConsentId && a.purposes)
    ledger.setConsentPurposes(a.openConsentId, a.purposes.granted, a.purposes.closesClip ? end : null, a.at);
  const withdrawnInCall = a.withdraw
    ? withdrawInCall(ledger, {
        callSid: a.callSid,
        callerHash: call.caller_hash,
        thisCallConsent: a.openConsentId,
        scope: a.withdraw,
        stirVerstat: a.stirVerstat,
        at: a.at,
      })
    : null;
  // The CRM events, receipt and deletion certificates of this answer, in the same transaction.
  const { reference } = callChanges(ledger, a.outbound ?? NO_OUTBOUND, {
    events: a.events,
    consentId,
    withdrawn: withdrawnInCall?.consents ?? [],
    at: a.at,
  });
  const withdrawal = withdrawnInCall && reference ? { ...withdrawnInCall, reference } : withdrawnInCall;
  const consentToken = a.handoverToken
    ? mintHandoverToken(ledger, a.handoverToken, { callSid: a.callSid, consentId, at: a.at })
    : null;
  if (consentToken && a.handoverToken)
    enqueueHandoverEvent(ledger, a.outbound ?? NO_OUTBOUND, {
      consentId,
      token: consentToken,
      to: a.handoverToken.to,
      reason: a.handoverToken.reason,
      at: a.at,
    });
  const wordsEnc = a.words ? ledger.sealFor(call.caller_hash, a.words) : null;
  const events: NewEvent[] = [
    {
      type: 'answer',
      callSid: a.callSid,
      consentId,
      at: a.at,
      data: {
        ...a.answer,
        question: a.question,
        ...(wordsEnc ? { words_enc: wordsEnc } : {}),
        ...(over ? { afterCallEnded: true } : {}),
      },
    },
    ...a.events.map((e) =>
      flowEvent(e, a.callSid, e.type === 'withdrawn' ? null : consentId, a.at, withdrawal, consentToken),
    ),
  ];
  // A language switch replays the disclosure: a second `disclosed`, in the new locale (once: a
  // repeated webhook returned above).
  if (a.redisclosed)
    events.push({
      type: 'disclosed',
      callSid: a.callSid,
      at: a.at,
      data: {
        locale: a.redisclosed.locale,
        notice: storeNotice(ledger, a.redisclosed),
        played: 'language_switch',
      },
    });
  // The minor path withdraws without a `withdrawn` flow event; the evidence needs one all the same.
  if (withdrawal && withdrawal.consents.length > 0 && !a.events.some((e) => e.type === 'withdrawn'))
    events.push({
      type: 'withdrawn',
      callSid: a.callSid,
      at: a.at,
      data: { reason: 'caller is under the age of consent (Art. 8 GDPR)', ...withdrawal },
    });
  ledger.append(events);
  const sms = a.sendPrivacySms ? queuePrivacySms(ledger, call, a.locale, a.at) : null;
  const fields = a.decision ? { ...a.call, consent_id: consentId } : a.call;
  const late = withLateGrant(ledger, call, a.decision?.decision, consentId, fields, a.at);
  ledger.updateCall(a.callSid, late, a.at);
  return { consentId, smsQueued: sms ? sms.queued : null, consentToken };
}

/**
 * Flow events that say what the call does next: after the end none of it happens (no handover
 * to the assistant or a human, no question asked again, no menu, no recording left to stop).
 * What the caller decided or asked for (granted, declined, withdrawn, a declared age, an SMS)
 * stays.
 */
const NEXT_IN_CALL = new Set<FlowEvent['type']>([
  'handover',
  'reprompted',
  'language_menu',
  'recording_stop_requested',
]);

/** The answer of an ended call: its decision without the handover, its token or its routing. */
function afterTheEnd(a: AnswerWrite): AnswerWrite {
  const call = { ...a.call };
  delete call.routed_to;
  const rest: AnswerWrite = { ...a, call, events: a.events.filter((e) => !NEXT_IN_CALL.has(e.type)) };
  delete rest.handoverToken;
  delete rest.redisclosed;
  return rest;
}

function flowEvent(
  e: FlowEvent,
  callSid: string,
  consentId: string | null,
  at: Date,
  withdrawal: (CallWithdrawal & { reference?: string }) | null,
  consentToken: string | null,
): NewEvent {
  const { type, ...data } = e;
  if ('reason' in data) data.reason = withoutQuotes(data.reason);
  return {
    type,
    callSid,
    consentId,
    at,
    data:
      type === 'withdrawn'
        ? { ...data, ...(withdrawal ?? { consents: [] }) }
        : type === 'handover' && consentToken
          ? { ...data, consentToken }
          : data,
  };
}

/** Events about a known call; returns false (writing nothing) for a call the ledger never saw. */
function callEvents(ledger: Ledger, a: { callSid: string; events: NewEvent[] }): boolean {
  if (!ledger.getCall(a.callSid)) return false;
  ledger.append(a.events);
  return true;
}

/**
 * A voice webhook failed and the caller was sent to a human with the recording stopped: the
 * ledger says so when it can (it may be the very thing that failed). False for an unknown call.
 */
function failSafe(
  ledger: Ledger,
  a: { callSid: string; route: string; problem: string; toHuman: boolean; at: Date },
): boolean {
  if (!ledger.getCall(a.callSid)) return false;
  ledger.append([
    { type: 'fail_safe', callSid: a.callSid, at: a.at, data: { route: a.route, problem: a.problem } },
    { type: 'recording_stop_requested', callSid: a.callSid, at: a.at, data: {} },
    {
      type: 'handover',
      callSid: a.callSid,
      at: a.at,
      data: { to: 'human', reason: 'error', consentHolds: false },
    },
  ]);
  ledger.updateCall(a.callSid, { routed_to: a.toHuman ? 'human' : 'none' }, a.at);
  return true;
}

/** Call status callback for an ended call: a call that ends before any decision is `abandoned`. */
function callEnded(
  ledger: Ledger,
  a: { callSid: string; callStatus: string; duration: number | null; at: Date },
): boolean {
  const call: CallRow | undefined = ledger.getCall(a.callSid);
  if (!call || call.state === 'ended') return false;
  const events: NewEvent[] = [];
  if (!call.outcome)
    events.push({ type: 'abandoned', callSid: a.callSid, at: a.at, data: { callStatus: a.callStatus } });
  events.push({
    type: 'call_ended',
    callSid: a.callSid,
    at: a.at,
    data: { callStatus: a.callStatus, duration: a.duration },
  });
  ledger.append(events);
  // Hung up at a later purpose's question: the consent given holds (as in flow/machine).
  const outcome = call.outcome ?? (call.consent_id ? 'granted' : 'abandoned');
  ledger.updateCall(a.callSid, { state: 'ended', ended_at: a.at.toISOString(), outcome }, a.at);
  // The recording job may be waiting for the call to end before it can decide what to keep.
  ledger
    .sql(
      "UPDATE jobs SET run_at = ? WHERE status = 'pending' AND kind = 'process_recording' AND json_extract(payload, '$.callSid') = ?",
    )
    .run(a.at.getTime(), a.callSid);
  return true;
}

const writes = { startCall, disclosed, answer, callEvents, failSafe, callEnded };
export const callWrites = { ...writes, dialEnded, recording };
export type CallWrites = typeof callWrites;
