import type { Logger } from 'pino';
import type { Config } from '../config';
import { classify } from '../flow/intents';
import { firstStep, initialState, transition, type FlowConfig } from '../flow/machine';
import type { Answer, CallState, Step, Transition } from '../flow/types';
import { noticeIdOf, type Ledger } from '../ledger';
import type { LedgerWriter } from '../ledger/writer';
import { pickVariant } from '../notices/split';
import { speechFor, type Speech, type SpeechSource } from '../notices/speech';
import { closedIncoming, NOTHING_SAID } from '../notices/closed';
import { withoutQuotes } from './caller-words';
import { CallStateSeal } from './call-state';
import { outboundOf } from '../outbound/outbound';
import type { AnswerWrite, CallWrites, NoticeRef } from './ledger-writes';
import { BadRequest, CALL_SID, confidenceOf, requireCallSid, Unservable, type Params } from './call-params';
import { handoverTokenRequest } from './handover-token';
import { NoticeCache } from './notice-cache';
import { ageOfConsent, chooseLocale, countryOf } from './locale';

export { BadRequest, Unservable, confidenceOf, requireCallSid, type Params };

const RECORDING_SID = /^RE[0-9a-fA-F]{32}$/;
/** How long a fail-safe answer waits for the ledger to note it. */
const FAIL_SAFE_WRITE_MS = 2_000;
const ENDED = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

export interface CallServiceDeps {
  config: Config;
  /** Reads (call rows, the signing key). */
  ledger: Ledger;
  /** Every write goes here, committed before the webhook answers. */
  writer: LedgerWriter<CallWrites>;
  /** What callers hear: the notice version that may be played now (null: none may). */
  speech: SpeechSource;
  log: Logger;
  clock?: () => Date;
  onJob?: () => void;
}

/**
 * The use cases behind the voice webhooks: the flow decides, this writes what it decided to the
 * ledger (one transaction per webhook, jobs included) and asks the renderer for the TwiML.
 */
export class CallService {
  private readonly clock: () => Date;
  private readonly seal: CallStateSeal;

  constructor(private readonly d: CallServiceDeps) {
    this.clock = d.clock ?? (() => new Date());
    this.seal = new CallStateSeal(() => d.ledger.derivedKey('call-state'));
  }

  /** The version that plays now; a call in a service that may play none is handed to a human. */
  private get sp(): Speech {
    const speech = this.d.speech.current();
    if (!speech) throw new Unservable('no approved notice version may be played');
    return speech;
  }

  private readonly flows = new WeakMap<Speech, FlowConfig>();
  private get flow(): FlowConfig {
    const sp = this.sp;
    let flow = this.flows.get(sp);
    if (!flow) {
      flow = {
        purposes: sp.settings.purposes.map((p) => p.id),
        locales: sp.catalog.locales,
        privacySms: Boolean(this.d.config.privacyUrl),
      };
      this.flows.set(sp, flow);
    }
    return flow;
  }

  /** One notice cache per playing version: its texts change only with a new version. */
  private readonly notices = new WeakMap<object, NoticeCache>();

  /** What the call heard: its variant's texts, as part of the playing notice version. */
  private notice(state: Pick<CallState, 'lng' | 'cc' | 'v'>, age: number): NoticeRef {
    const sp = this.sp;
    const view = this.view(state);
    let cache = this.notices.get(view.renderer);
    if (!cache) {
      cache = new NoticeCache(view.catalog, view.renderer);
      this.notices.set(view.renderer, cache);
    }
    const variant = view === sp ? undefined : state.v;
    return { ...cache.of(state, age), version: sp.version, ...(variant ? { variant } : {}) };
  }

  /** The wording a call hears: its A/B variant's when it was assigned one that may play. */
  private view(state: Pick<CallState, 'v'>): Pick<Speech, 'catalog' | 'renderer'> {
    return speechFor(this.sp, state.v);
  }

  /**
   * The state carries the age limit from the first webhook, so answers need no ledger read; a state
   * from before it did falls back to the call's country. An unknown call fails in the writer.
   */
  private ageOf(state: CallState, callSid: string): number {
    if (state.age !== undefined) return state.age;
    return ageOfConsent(this.d.ledger.getCall(callSid)?.country ?? null, this.d.config.operator);
  }

  async incoming(params: Params): Promise<string> {
    const callSid = requireCallSid(params);
    if (!this.d.speech.current()) return this.closed(params, callSid);
    const now = this.clock();
    const country = countryOf(params.FromCountry || params.CallerCountry, params.From);
    const lng = chooseLocale(
      { called: params.To ?? params.Called, country },
      this.d.config.operator,
      (l) => this.sp.catalog.has(l),
      this.d.config.defaultLocale,
    );
    const age = ageOfConsent(country, this.d.config.operator);
    // Per-call random assignment to an A/B wording variant (gateway config `abTest.split`).
    const variant = pickVariant(this.d.config.operator.abTest?.split, this.sp.variants);
    const state: CallState = {
      ...initialState(lng),
      age,
      ...(country ? { cc: country } : {}),
      ...(variant ? { v: variant } : {}),
    };
    await this.d.writer.run('startCall', {
      callSid,
      from: params.From ?? null,
      called: params.To ?? params.Called ?? null,
      country,
      locale: lng,
      notice: this.notice(state, age),
      stirVerstat: params.StirVerstat ?? null,
      at: now,
    });
    const said = this.sp.catalog.textLocale(lng, country);
    return this.view(state).renderer.incoming(said, { state: this.seal.seal(state, callSid), age });
  }

  /**
   * No approved version may play: the call is noted (with a notice saying nothing was said) and
   * goes straight to a human, unrecorded. Never an unapproved text, never a consent question.
   */
  private async closed(params: Params, callSid: string): Promise<string> {
    const now = this.clock();
    const lng = this.d.config.defaultLocale;
    await this.d.writer.run('startCall', {
      callSid,
      from: params.From ?? null,
      called: params.To ?? params.Called ?? null,
      country: countryOf(params.FromCountry, params.From),
      locale: lng,
      notice: { id: noticeIdOf(lng, 'text', NOTHING_SAID), locale: lng, content: NOTHING_SAID },
      stirVerstat: params.StirVerstat ?? null,
      at: now,
    });
    await this.noteFailSafe(callSid, 'incoming', 'no approved notice version may be played');
    return closedIncoming(this.d.config.humanAgent);
  }

  /** The state sealed for this call, or Unservable: a foreign or altered state is never acted on. */
  private openState(callSid: string, stateToken: string | undefined): { state: CallState; instance: string } {
    const opened = this.seal.open(stateToken, callSid);
    if (!opened || !this.sp.catalog.has(opened.state.lng))
      throw new Unservable('call state is missing, altered or sealed for another call');
    return opened;
  }

  /**
   * Reached by <Redirect> only after the AI disclosure played to its end: that is what `disclosed`
   * records, once per call. A repeat gets the same first question with the clip start of the first.
   */
  async consentStart(params: Params, stateToken: string | undefined): Promise<string> {
    const callSid = requireCallSid(params);
    const { state } = this.openState(callSid, stateToken);
    const now = this.clock();
    const age = this.ageOf(state, callSid);
    const startedMs = await this.d.writer.run('disclosed', {
      callSid,
      notice: this.notice(state, age),
      at: now,
    });
    const next: CallState = { ...state, at: startedMs };
    return this.view(next).renderer.render(firstStep(next, this.flow), next, {
      state: this.seal.seal(next, callSid),
      age,
    });
  }

  async answer(params: Params, stateToken: string | undefined): Promise<string> {
    const callSid = requireCallSid(params);
    const { state, instance } = this.openState(callSid, stateToken);
    const now = this.clock();
    const input = {
      digits: params.Digits || undefined,
      speech: params.SpeechResult || undefined,
      confidence: confidenceOf(params.Confidence, params.SpeechResult || undefined),
    };
    const classification = classify(
      input,
      this.view(state).catalog.lexicon(this.sp.catalog.textLocale(state.lng, state.cc)),
      { minConfidence: this.d.config.minSpeechConfidence },
    );
    const answer: Answer = { ...classification, ...input };
    const t = transition(state, answer, this.flow);
    const age = this.ageOf(state, callSid);
    // A question asked again (after a miss, or after layer 2) is a new question instance with its
    // own start: an answer to it is never taken for Twilio repeating the answer before it. After
    // layer 2 the clip starts with the information the caller heard before answering.
    const asksAgain = t.step.kind === 'ask' || t.step.kind === 'info';
    const next: CallState = asksAgain ? { ...t.state, at: now.getTime() } : t.state;

    const write: AnswerWrite = {
      callSid,
      at: now,
      locale: state.lng,
      notice: this.notice(state, age),
      redisclosed: t.events.some((e) => e.type === 'language_changed')
        ? this.notice(t.state, age)
        : undefined,
      openConsentId: state.cid ?? null,
      decision: t.decision
        ? {
            decision: t.decision,
            method: answer.via === 'speech' ? 'speech' : 'dtmf',
            input: answer.via === 'speech' ? (answer.speech ?? null) : (answer.digits ?? null),
            confidence: answer.via === 'speech' ? (answer.confidence ?? null) : null,
            purposes: t.state.ans,
            clipStartMs: state.at ?? null,
          }
        : undefined,
      purposes:
        state.cid && (t.state.ans !== state.ans || t.sequenceEnded)
          ? {
              granted: t.state.ans,
              closesClip:
                t.sequenceEnded || t.events.some((e) => e.type === 'granted' || e.type === 'declined'),
            }
          : undefined,
      // Art. 8: a child on a shared phone withdraws what they gave, not the household's consents.
      withdraw: t.effects.includes('withdraw_all')
        ? t.events.some((e) => e.type === 'minor_declared')
          ? 'call'
          : 'caller'
        : null,
      stirVerstat: params.StirVerstat ?? null,
      sendPrivacySms: t.effects.includes('send_privacy_sms') && Boolean(this.d.config.privacyUrl),
      question: instance,
      answer: {
        via: answer.via,
        intent: answer.intent,
        reason: withoutQuotes(answer.reason),
        confidence: answer.confidence ?? null,
      },
      words: answer.speech ? JSON.stringify({ speech: answer.speech, reason: answer.reason }) : null,
      events: t.events,
      call: this.callUpdate(t, answer),
      outbound: outboundOf(this.d.config),
      handoverToken: handoverTokenRequest(t.step, t.state, this.d.config),
    };
    const { consentId, smsQueued, consentToken } = await this.d.writer.run('answer', write);
    if (t.decision === 'granted') next.cid = consentId ?? undefined;
    if (t.effects.length > 0 || consentToken) this.d.onJob?.();
    const step = smsQueued === false ? withoutSmsPromise(t.step) : t.step;
    return this.render(step, next, age, callSid, consentToken ?? undefined);
  }

  private callUpdate(t: Transition, answer: Answer): AnswerWrite['call'] {
    const update: AnswerWrite['call'] = {};
    if (t.state.lng) update.locale = t.state.lng;
    if (t.decision) update.method = answer.via === 'speech' ? 'speech' : 'dtmf';
    if (t.outcome) update.outcome = t.outcome;
    if (t.step.kind === 'assistant') update.routed_to = this.d.config.assistantUrl ? 'assistant' : 'none';
    if (t.step.kind === 'human') update.routed_to = this.d.config.humanAgent ? 'human' : 'none';
    return update;
  }

  private render(step: Step, state: CallState, age: number, callSid: string, consentToken?: string): string {
    const granted = Object.entries(state.ans)
      .filter(([, v]) => v)
      .map(([k]) => k);
    return this.view(state).renderer.render(step, state, {
      state: this.seal.seal(state, callSid),
      age,
      consentToken,
      consentId: state.cid,
      grantedPurposes: granted,
    });
  }

  /** The call's language as the ledger knows it, for a fail-safe answer; null when it cannot say. */
  knownLocale(callSid: string | undefined): string | null {
    if (!callSid || !CALL_SID.test(callSid)) return null;
    try {
      const lng = this.d.ledger.getCall(callSid)?.locale;
      return lng && this.d.speech.current()?.catalog.has(lng) ? lng : null;
    } catch {
      return null;
    }
  }

  /**
   * Notes a fail-safe handover in the ledger, if the ledger can take it: never throws, and gives up
   * after a few seconds so that the caller's TwiML is not held up by a ledger that hangs.
   */
  async noteFailSafe(callSid: string, route: string, problem: string): Promise<void> {
    if (!CALL_SID.test(callSid)) return;
    const written = this.d.writer
      .run('failSafe', {
        callSid,
        route,
        problem,
        toHuman: Boolean(this.d.config.humanAgent),
        at: this.clock(),
      })
      .then(
        () => undefined,
        (error: unknown) => this.d.log.warn({ err: error, route }, 'fail-safe handover not written'),
      );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, FAIL_SAFE_WRITE_MS);
    });
    await Promise.race([written, timeout]);
    clearTimeout(timer);
  }

  whisper(query: Params): string {
    const kind = (['granted', 'none', 'minor', 'withdrawn'] as const).find((k) => k === query.k) ?? 'none';
    const purposes = (query.p ?? '').split(',').filter((p) => /^[a-z][a-z0-9_]*$/.test(p));
    const ref = (query.ref ?? '').replace(/[^A-Z0-9-]/g, '');
    return this.sp.renderer.whisper(kind, ref, purposes, query.lng ?? '');
  }

  async dialResult(params: Params, lng: string): Promise<string> {
    const callSid = requireCallSid(params);
    const status = params.DialCallStatus ?? 'unknown';
    const answered = status === 'completed' || status === 'answered';
    const now = this.clock();
    await this.d.writer.run('dialEnded', {
      callSid,
      dialCallSid: /^CA[0-9a-f]{32}$/.test(params.DialCallSid ?? '') ? (params.DialCallSid as string) : null,
      status,
      answered,
      at: now,
    });
    return this.sp.renderer.afterDial(lng, answered);
  }

  /** Call status callback: a call that ends before any decision is `abandoned`. */
  async status(params: Params): Promise<void> {
    const callSid = requireCallSid(params);
    const status = params.CallStatus ?? '';
    if (!ENDED.has(status)) return;
    const now = this.clock();
    const ended = await this.d.writer.run('callEnded', {
      callSid,
      callStatus: status,
      duration: Number(params.CallDuration ?? 0) || null,
      at: now,
    });
    if (ended) this.d.onJob?.();
  }

  /** Recording status callback: a completed recording becomes a durable job; repeats are ignored. */
  async recording(params: Params): Promise<void> {
    const callSid = requireCallSid(params);
    const recordingSid = params.RecordingSid ?? '';
    if (!RECORDING_SID.test(recordingSid)) throw new Unservable('RecordingSid is missing or malformed');
    const status = params.RecordingStatus ?? '';
    const now = this.clock();
    const known = await this.d.writer.run('recording', {
      callSid,
      recordingSid,
      status,
      // Twilio sends whole seconds; anything else is no duration (the column holds integers).
      duration: /^\d{1,9}$/.test(params.RecordingDuration ?? '') ? Number(params.RecordingDuration) : null,
      url: params.RecordingUrl ?? null,
      at: now,
    });
    if (!known) throw new Unservable('recording of a call the ledger does not know');
    this.d.onJob?.();
  }
}

/** The pure flow promised the SMS before the ledger applied its limits; a refused one is not promised. */
function withoutSmsPromise(step: Step): Step {
  if (step.kind !== 'ask') return step;
  return { ...step, lead: step.lead.map((l) => (l === 'smsSent' ? 'smsNotSent' : l)) };
}
