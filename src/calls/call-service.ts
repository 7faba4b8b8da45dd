import type { Logger } from 'pino';
import type { Config } from '../config';
import { signConsentToken } from '../crypto/consent-token';
import { classify } from '../flow/intents';
import { firstStep, initialState, transition, type FlowConfig } from '../flow/machine';
import type { Answer, CallState, FlowEvent, Step, Transition } from '../flow/types';
import type { Catalog } from '../i18n/catalog';
import type { Ledger, NewEvent } from '../ledger';
import { decodeState, encodeState, type TwimlRenderer } from '../twiml/render';
import { ageOfConsent, chooseLocale, countryOf } from './locale';

export type Params = Record<string, string | undefined>;

export class BadRequest extends Error {
  readonly status = 400;
}

const CALL_SID = /^CA[0-9a-fA-F]{32}$/;
const RECORDING_SID = /^RE[0-9a-fA-F]{32}$/;
const ENDED = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

export interface CallServiceDeps {
  config: Config;
  ledger: Ledger;
  catalog: Catalog;
  renderer: TwimlRenderer;
  log: Logger;
  clock?: () => Date;
  onJob?: () => void;
}

export function requireCallSid(params: Params): string {
  const sid = params.CallSid;
  if (!sid || !CALL_SID.test(sid)) throw new BadRequest('CallSid is missing or malformed');
  return sid;
}

/**
 * The use cases behind the voice webhooks: the flow decides, this writes what it decided to the
 * ledger (one transaction per webhook, jobs included) and asks the renderer for the TwiML.
 */
export class CallService {
  private readonly flow: FlowConfig;
  private readonly clock: () => Date;

  constructor(private readonly d: CallServiceDeps) {
    this.clock = d.clock ?? (() => new Date());
    this.flow = {
      purposes: d.config.operator.purposes.map((p) => p.id),
      locales: d.catalog.locales,
      privacySms: Boolean(d.config.privacyUrl),
    };
  }

  private readonly notices = new Map<string, string>();

  /** The notice text only changes with a deploy, so its hash is computed once per locale and age. */
  private noticeId(lng: string, age: number): string {
    const key = `${lng}|${age}`;
    let id = this.notices.get(key);
    if (!id) {
      id = this.d.ledger.notice(lng, 'text', this.d.renderer.noticeContent(lng, age));
      this.notices.set(key, id);
    }
    return id;
  }

  async incoming(params: Params): Promise<string> {
    const callSid = requireCallSid(params);
    const now = this.clock();
    const country = countryOf(params.FromCountry, params.From);
    const lng = chooseLocale(
      { called: params.To ?? params.Called, country },
      this.d.config.operator,
      (l) => this.d.catalog.has(l),
      this.d.config.defaultLocale,
    );
    const age = ageOfConsent(country, this.d.config.operator);
    const state = initialState(lng);
    await this.d.ledger.commit(() => {
      const created = this.d.ledger.startCall({
        callSid,
        from: params.From ?? null,
        called: params.To ?? params.Called ?? null,
        country,
        locale: lng,
        at: now,
      });
      if (created)
        this.d.ledger.append([
          {
            type: 'call_started',
            callSid,
            at: now,
            data: { locale: lng, country, notice: this.noticeId(lng, age) },
          },
        ]);
    });
    return this.d.renderer.incoming(lng, { state: encodeState(state), age });
  }

  /** Reached by <Redirect> only after the AI disclosure played to its end: that is what `disclosed` records. */
  async consentStart(params: Params, stateToken: string | undefined): Promise<string> {
    const callSid = requireCallSid(params);
    const state = decodeState(stateToken);
    if (!state) throw new BadRequest('state is missing or malformed');
    const call = this.d.ledger.getCall(callSid);
    if (!call) throw new Error(`unknown call ${callSid}`);
    const now = this.clock();
    const age = ageOfConsent(call.country, this.d.config.operator);
    const next: CallState = { ...state, at: now.getTime() };
    await this.d.ledger.commit(() => {
      this.d.ledger.append([
        {
          type: 'disclosed',
          callSid,
          at: now,
          data: { locale: state.lng, notice: this.noticeId(state.lng, age), played: 'complete' },
        },
        { type: 'recording_requested', callSid, at: now, data: {} },
      ]);
      this.d.ledger.updateCall(callSid, { recording_started_ms: now.getTime() }, now);
    });
    return this.d.renderer.render(firstStep(next, this.flow), next, { state: encodeState(next), age });
  }

  async answer(params: Params, stateToken: string | undefined): Promise<string> {
    const callSid = requireCallSid(params);
    const state = decodeState(stateToken);
    if (!state || !this.d.catalog.has(state.lng)) throw new BadRequest('state is missing or malformed');
    const call = this.d.ledger.getCall(callSid);
    if (!call) throw new Error(`unknown call ${callSid}`);
    const now = this.clock();
    const confidence =
      params.Confidence !== undefined && params.Confidence !== '' ? Number(params.Confidence) : undefined;
    const input = {
      digits: params.Digits || undefined,
      speech: params.SpeechResult || undefined,
      confidence: confidence !== undefined && Number.isFinite(confidence) ? confidence : undefined,
    };
    const classification = classify(input, this.d.catalog.lexicon(state.lng), {
      minConfidence: this.d.config.minSpeechConfidence,
    });
    const answer: Answer = { ...classification, ...input };
    const t = transition(state, answer, this.flow);
    const age = ageOfConsent(call.country, this.d.config.operator);
    const next: CallState = t.step.kind === 'ask' ? { ...t.state, at: now.getTime() } : t.state;

    let consentId = state.cid ?? null;
    await this.d.ledger.commit(() => {
      if (t.decision) {
        consentId = this.d.ledger.createConsent({
          callSid,
          callerHash: call.caller_hash,
          callerEnc: call.caller_enc,
          locale: state.lng,
          method: answer.via === 'speech' ? 'speech' : 'dtmf',
          input: answer.via === 'speech' ? (answer.speech ?? null) : (answer.digits ?? null),
          confidence: answer.via === 'speech' ? (answer.confidence ?? null) : null,
          noticeId: this.noticeId(state.lng, age),
          decision: t.decision,
          purposes: t.state.ans,
          clipStartMs: state.at ?? null,
          clipEndMs: now.getTime(),
          at: now,
        });
        if (t.decision === 'granted') next.cid = consentId;
      }
      if (state.cid && (t.state.ans !== state.ans || t.sequenceEnded)) {
        this.d.ledger.setConsentPurposes(
          state.cid,
          t.state.ans,
          t.sequenceEnded || t.events.some((e) => e.type === 'granted' || e.type === 'declined')
            ? now.getTime()
            : null,
          now,
        );
      }
      const withdrawn =
        t.effects.includes('withdraw_all') && call.caller_hash
          ? this.withdrawAll(call.caller_hash, callSid, now)
          : [];
      if (t.effects.includes('send_privacy_sms') && this.d.config.privacyUrl)
        this.d.ledger.enqueue(
          'send_sms',
          { callSid, locale: state.lng },
          { dedupeKey: `sms:${callSid}:${now.getTime()}` },
        );
      this.d.ledger.append([
        {
          type: 'answer',
          callSid,
          consentId,
          at: now,
          data: {
            via: answer.via,
            intent: answer.intent,
            reason: answer.reason,
            confidence: answer.confidence ?? null,
          },
        },
        ...t.events.map((e) =>
          this.toLedgerEvent(e, callSid, e.type === 'withdrawn' ? null : consentId, now, withdrawn),
        ),
      ]);
      this.d.ledger.updateCall(callSid, this.callUpdate(t, answer, consentId), now);
    });
    if (t.effects.length > 0) this.d.onJob?.();
    return this.render(t.step, next, age, callSid);
  }

  private callUpdate(
    t: Transition,
    answer: Answer,
    consentId: string | null,
  ): Parameters<Ledger['updateCall']>[1] {
    const update: Parameters<Ledger['updateCall']>[1] = {};
    if (t.state.lng) update.locale = t.state.lng;
    if (t.decision) {
      update.method = answer.via === 'speech' ? 'speech' : 'dtmf';
      update.consent_id = consentId;
    }
    if (t.outcome) update.outcome = t.outcome;
    if (t.step.kind === 'assistant') update.routed_to = this.d.config.assistantUrl ? 'assistant' : 'none';
    if (t.step.kind === 'human') update.routed_to = this.d.config.humanAgent ? 'human' : 'none';
    return update;
  }

  private withdrawAll(callerHash: string, callSid: string, now: Date): string[] {
    const ids = this.d.ledger.withdrawCaller(callerHash, now);
    for (const id of ids)
      this.d.ledger.enqueue('delete_clip', { consentId: id }, { dedupeKey: `delete_clip:${id}` });
    return ids;
  }

  private toLedgerEvent(
    e: FlowEvent,
    callSid: string,
    consentId: string | null,
    at: Date,
    withdrawn: string[],
  ): NewEvent {
    const { type, ...data } = e;
    return {
      type,
      callSid,
      consentId,
      at,
      data: type === 'withdrawn' ? { ...data, consents: withdrawn } : data,
    };
  }

  private render(step: Step, state: CallState, age: number, callSid: string): string {
    const needsToken = step.kind === 'assistant' || step.kind === 'human';
    let consentToken: string | undefined;
    const granted = Object.entries(state.ans)
      .filter(([, v]) => v)
      .map(([k]) => k);
    if (needsToken) {
      const nowS = Math.floor(this.clock().getTime() / 1000);
      const holds = step.kind === 'assistant' || step.consentHolds;
      consentToken = signConsentToken(this.d.ledger.signingKey(), {
        iss: this.d.config.publicBaseUrl,
        sub: holds && state.cid ? state.cid : 'none',
        call: callSid,
        purposes: holds ? state.ans : {},
        status:
          holds && state.cid
            ? 'granted'
            : step.kind === 'human' && step.reason === 'withdrawn'
              ? 'withdrawn'
              : step.kind === 'human' && step.reason === 'declined'
                ? 'declined'
                : 'none',
        locale: state.lng,
        iat: nowS,
        exp: nowS + this.d.config.consentTokenTtlSeconds,
      });
    }
    return this.d.renderer.render(step, state, {
      state: encodeState(state),
      age,
      consentToken,
      consentId: state.cid,
      grantedPurposes: granted,
    });
  }

  whisper(query: Params): string {
    const kind = (['granted', 'none', 'minor', 'withdrawn'] as const).find((k) => k === query.k) ?? 'none';
    const purposes = (query.p ?? '').split(',').filter((p) => /^[a-z][a-z0-9_]*$/.test(p));
    return this.d.renderer.whisper(kind, (query.ref ?? '').replace(/[^A-Z0-9-]/g, ''), purposes);
  }

  async dialResult(params: Params, lng: string): Promise<string> {
    const callSid = requireCallSid(params);
    const status = params.DialCallStatus ?? 'unknown';
    const answered = status === 'completed' || status === 'answered';
    const now = this.clock();
    if (this.d.ledger.getCall(callSid))
      await this.d.ledger.commit(() =>
        this.d.ledger.append([
          {
            type: answered ? 'handover_completed' : 'handover_failed',
            callSid,
            at: now,
            data: { dialStatus: status },
          },
        ]),
      );
    return this.d.renderer.afterDial(lng, answered);
  }

  /** Call status callback: a call that ends before any decision is `abandoned`. */
  async status(params: Params): Promise<void> {
    const callSid = requireCallSid(params);
    const status = params.CallStatus ?? '';
    if (!ENDED.has(status)) return;
    const now = this.clock();
    const call = this.d.ledger.getCall(callSid);
    if (!call || call.state === 'ended') return;
    await this.d.ledger.commit(() => {
      const events: NewEvent[] = [];
      if (!call.outcome) events.push({ type: 'abandoned', callSid, at: now, data: { callStatus: status } });
      events.push({
        type: 'call_ended',
        callSid,
        at: now,
        data: { callStatus: status, duration: Number(params.CallDuration ?? 0) || null },
      });
      this.d.ledger.append(events);
      this.d.ledger.updateCall(
        callSid,
        { state: 'ended', ended_at: now.toISOString(), ...(call.outcome ? {} : { outcome: 'abandoned' }) },
        now,
      );
      // The recording job may be waiting for the call to end before it can decide what to keep.
      this.d.ledger
        .sql(
          "UPDATE jobs SET run_at = ? WHERE status = 'pending' AND kind = 'process_recording' AND json_extract(payload, '$.callSid') = ?",
        )
        .run(now.getTime(), callSid);
    });
    this.d.onJob?.();
  }

  /** Recording status callback: a completed recording becomes a durable job; repeats are ignored. */
  async recording(params: Params): Promise<void> {
    const callSid = requireCallSid(params);
    const recordingSid = params.RecordingSid ?? '';
    if (!RECORDING_SID.test(recordingSid)) throw new BadRequest('RecordingSid is missing or malformed');
    const status = params.RecordingStatus ?? '';
    const now = this.clock();
    if (!this.d.ledger.getCall(callSid)) throw new BadRequest('unknown call');
    await this.d.ledger.commit(() => {
      this.d.ledger
        .sql(
          `INSERT INTO recordings (recording_sid, call_sid, status, duration_sec, media_url, received_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT(recording_sid) DO UPDATE SET status = excluded.status, duration_sec = COALESCE(excluded.duration_sec, duration_sec), media_url = COALESCE(excluded.media_url, media_url)`,
        )
        .run(
          recordingSid,
          callSid,
          status,
          params.RecordingDuration ? Number(params.RecordingDuration) : null,
          params.RecordingUrl ?? null,
          now.toISOString(),
        );
      if (status === 'completed') {
        this.d.ledger.append([
          {
            type: 'recording_completed',
            callSid,
            at: now,
            data: { recordingSid, duration: Number(params.RecordingDuration ?? 0) },
          },
        ]);
        this.d.ledger.enqueue(
          'process_recording',
          { callSid, recordingSid },
          { dedupeKey: `process_recording:${recordingSid}` },
        );
      } else if (status === 'absent' || status === 'failed') {
        this.d.ledger.append([
          { type: 'recording_absent', callSid, at: now, data: { recordingSid, status } },
        ]);
      }
    });
    this.d.onJob?.();
  }
}
