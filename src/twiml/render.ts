import twilio from 'twilio';
import type { Catalog, Vars } from '../i18n/catalog';
import type { CallState, Lead, Step } from '../flow/types';
import { languageOf, parseLocaleName } from '../i18n/locale-variants';
import { FailSafeTwiml } from './fail-safe';
import {
  RECORDING_NAME,
  Speaker,
  stopRecording,
  type Container,
  type RenderSettings,
  type SpeechLanguage,
  type VoiceResponse,
} from './speaker';

export type { RenderSettings } from './speaker';
type RecordingAttributes = NonNullable<Parameters<ReturnType<VoiceResponse['start']>['recording']>[0]>;

/** Per-call values substituted into cached templates. */
export interface Dynamic {
  state: string; // the sealed CallState (calls/call-state.ts)
  age: number;
  consentToken?: string;
  consentId?: string;
  grantedPurposes?: string[];
}

const STATE = '__STATE__';
const TOKEN = '__TOKEN__';

const xmlAttr = (value: string): string =>
  value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');

/**
 * Renders flow steps as TwiML. Everything but the call state and token is the same for every call
 * in a locale, so each distinct step is built once with twilio's VoiceResponse and then only
 * has the per-call values substituted: the voice webhook's hot path does no XML building.
 */
export class TwimlRenderer {
  private readonly cache = new Map<string, string>();

  private readonly v: Speaker;
  private readonly catalog: Catalog;
  private readonly s: RenderSettings;
  /** The answers for when a webhook cannot be served as planned. */
  readonly failSafe: FailSafeTwiml;

  constructor(catalog: Catalog, settings: RenderSettings) {
    this.v = new Speaker(catalog, settings);
    this.catalog = catalog;
    this.s = settings;
    this.failSafe = new FailSafeTwiml(this.v);
  }

  private url(path: string): string {
    return this.v.url(path);
  }

  private speak(node: Container, lng: string, key: string, vars: Vars): void {
    this.v.speak(node, lng, key, vars);
  }

  private localVars(lng: string, age: number): Vars {
    return this.v.vars(lng, age);
  }

  private gather(
    response: VoiceResponse,
    lng: string,
    action: string,
    dtmfOnly = false,
  ): ReturnType<VoiceResponse['gather']> {
    const lexicon = this.catalog.lexicon(lng);
    return response.gather({
      input: dtmfOnly ? ['dtmf'] : ['dtmf', 'speech'],
      action: this.url(action),
      method: 'POST',
      numDigits: 1,
      timeout: 6,
      actionOnEmptyResult: true,
      ...(dtmfOnly
        ? {}
        : {
            language: this.catalog.t(lng, 'language.speech') as SpeechLanguage,
            speechTimeout: 'auto',
            hints: lexicon.hints.join(', '),
          }),
    });
  }

  private cached(key: string, build: () => string): string {
    let template = this.cache.get(key);
    if (template === undefined) {
      template = build();
      this.cache.set(key, template);
    }
    return template;
  }

  private fill(template: string, d: Dynamic): string {
    let out = template.split(STATE).join(d.state);
    if (template.includes(TOKEN))
      out = out.split(TOKEN).join(xmlAttr(encodeURIComponent(d.consentToken ?? '')));
    return out;
  }

  /** First answer to /voice/incoming: the AI disclosure plays to completion, then the service learns it did. */
  incoming(lng: string, d: Dynamic): string {
    const template = this.cached(`incoming|${lng}|${d.age}`, () => {
      const r = new twilio.twiml.VoiceResponse();
      this.speak(r, lng, 'disclosure', this.localVars(lng, d.age));
      r.redirect({ method: 'POST' }, this.url(`/voice/consent?s=${STATE}`));
      return r.toString();
    });
    return this.fill(template, d);
  }

  render(step: Step, state: CallState, d: Dynamic): string {
    // The caller's language, in its country variant where one ships (state.lng stays the language).
    const lng = this.catalog.textLocale(state.lng, state.cc);
    switch (step.kind) {
      case 'ask':
        return this.fill(
          this.cached(
            `ask|${lng}|${d.age}|${step.question}|${step.purposeId}|${step.lead.join(',')}|${step.startRecording}|${step.withDisclosure}`,
            () => this.buildAsk(step, lng, d.age),
          ),
          d,
        );
      case 'info':
        return this.fill(
          this.cached(`info|${lng}|${d.age}|${step.back}|${step.smsOffer}|${state.pi}`, () =>
            this.buildInfo(step, lng, state.pi, d.age),
          ),
          d,
        );
      case 'languageMenu':
        return this.fill(
          this.cached('lang', () => this.buildLanguageMenu()),
          d,
        );
      case 'assistant':
        return this.buildAssistant(step, lng, d);
      case 'human':
        return this.buildHuman(step, lng, d);
    }
  }

  private leads(node: Container, lng: string, lead: Lead[], vars: Vars): void {
    for (const key of lead) this.speak(node, lng, key, vars);
  }

  private questionKey(lng: string, question: 'main' | 'purpose', purposeId: string): string {
    if (question === 'main') return 'main';
    return this.catalog.exists(lng, `purposes.${purposeId}`) ? `purposes.${purposeId}` : 'purposeFallback';
  }

  private sayQuestion(
    node: Container,
    lng: string,
    question: 'main' | 'purpose',
    purposeId: string,
    vars: Vars,
  ): void {
    const key = this.questionKey(lng, question, purposeId);
    this.speak(node, lng, key, {
      ...vars,
      purpose: this.v.purposeName(lng, purposeId),
    });
    if (question === 'main') {
      this.speak(node, lng, 'age', vars);
      this.speak(node, lng, 'languageHint', vars);
    }
  }

  private buildAsk(step: Extract<Step, { kind: 'ask' }>, lng: string, age: number): string {
    const vars = this.localVars(lng, age);
    const r = new twilio.twiml.VoiceResponse();
    if (step.withDisclosure) this.speak(r, lng, 'disclosure', vars);
    if (step.startRecording) {
      // Twilio documents `name` (what <Stop><Recording name> stops); the library's type lacks it.
      const recording: RecordingAttributes & { name: string } = {
        name: RECORDING_NAME,
        channels: 'mono',
        recordingStatusCallback: this.url('/voice/recording'),
        recordingStatusCallbackMethod: 'POST',
        recordingStatusCallbackEvent: ['in-progress', 'completed', 'absent'],
      };
      r.start().recording(recording);
    }
    const g = this.gather(r, lng, `/voice/answer?s=${STATE}`);
    this.leads(g, lng, step.lead, vars);
    this.sayQuestion(g, lng, step.question, step.purposeId, vars);
    // Reached only if an input-less Gather falls through (actionOnEmptyResult unsupported): same as silence.
    r.redirect({ method: 'POST' }, this.url(`/voice/answer?s=${STATE}`));
    return r.toString();
  }

  private buildInfo(step: Extract<Step, { kind: 'info' }>, lng: string, pi: number, age: number): string {
    const vars = this.localVars(lng, age);
    const r = new twilio.twiml.VoiceResponse();
    const g = this.gather(r, lng, `/voice/answer?s=${STATE}`);
    this.speak(g, lng, 'info', vars);
    // Art. 13(1)(d): said only where the operator relies on legitimate interests at all.
    if (this.hasInterests()) this.speak(g, lng, 'infoInterests', vars);
    if (step.smsOffer) this.speak(g, lng, 'smsOffer', vars);
    const purposeId = this.s.purposes[step.back === 'main' ? 0 : pi]?.id ?? 'call';
    this.sayQuestion(g, lng, step.back, purposeId, vars);
    if (step.smsOffer) this.speak(g, lng, 'smsHint', vars);
    r.redirect({ method: 'POST' }, this.url(`/voice/answer?s=${STATE}`));
    return r.toString();
  }

  private buildLanguageMenu(): string {
    const r = new twilio.twiml.VoiceResponse();
    const g = this.gather(r, this.s.defaultLocale, `/voice/answer?s=${STATE}`, true);
    this.catalog.locales.forEach((lng, i) => this.speak(g, lng, 'language.choose', { digit: i + 1 }));
    r.redirect({ method: 'POST' }, this.url(`/voice/answer?s=${STATE}`));
    return r.toString();
  }

  private buildAssistant(step: Extract<Step, { kind: 'assistant' }>, lng: string, d: Dynamic): string {
    const template = this.cached(`assistant|${lng}|${step.lead.join(',')}|${step.stopRecording}`, () => {
      const vars = this.localVars(lng, d.age);
      const r = new twilio.twiml.VoiceResponse();
      if (step.stopRecording) stopRecording(r);
      this.leads(r, lng, step.lead, vars);
      const target = this.s.assistantUrl;
      if (!target) {
        this.speak(r, lng, 'closing', vars);
        r.hangup();
      } else if (target.startsWith('wss://') || target.startsWith('ws://')) {
        this.speak(r, lng, 'assistant', vars);
        const stream = r.connect().stream({ url: target });
        stream.parameter({ name: 'consentToken', value: TOKEN });
        stream.parameter({ name: 'locale', value: lng });
      } else {
        this.speak(r, lng, 'assistant', vars);
        const sep = target.includes('?') ? '&' : '?';
        r.redirect({ method: 'POST' }, `${target}${sep}consent_token=${TOKEN}&locale=${lng}`);
      }
      return r.toString();
    });
    // Stream <Parameter> values are attribute text, not URL parts: substitute them unencoded.
    return template
      .split(`value="${TOKEN}"`)
      .join(`value="${xmlAttr(d.consentToken ?? '')}"`)
      .split(TOKEN)
      .join(encodeURIComponent(d.consentToken ?? ''));
  }

  private buildHuman(step: Extract<Step, { kind: 'human' }>, lng: string, d: Dynamic): string {
    const vars = this.localVars(lng, d.age);
    const r = new twilio.twiml.VoiceResponse();
    if (step.stopRecording) stopRecording(r);
    this.leads(r, lng, step.lead, vars);
    if (!this.s.humanAgent) {
      this.speak(r, lng, 'noAgent', vars);
      r.hangup();
      return r.toString();
    }
    this.speak(r, lng, 'handover', vars);
    this.speak(r, lng, step.consentHolds ? 'handoverConsentHolds' : 'handoverNoConsent', vars);
    const kind = step.consentHolds
      ? 'granted'
      : step.reason === 'minor'
        ? 'minor'
        : step.reason === 'withdrawn'
          ? 'withdrawn'
          : 'none';
    const whisper = new URLSearchParams({
      k: kind,
      lng,
      ...(step.consentHolds && d.consentId
        ? { ref: d.consentId, p: (d.grantedPurposes ?? []).join(',') }
        : {}),
    });
    const dial = r.dial({
      action: this.url(`/voice/dial?lng=${lng}`),
      method: 'POST',
      timeout: 25,
      answerOnBridge: true,
    });
    if (this.s.humanAgent.startsWith('sip:')) {
      // SIP carries the consent machine-readably as X- headers (Twilio passes URI parameters as headers).
      const headers = new URLSearchParams({
        'X-Consent-Status': kind,
        ...(d.consentId && step.consentHolds ? { 'X-Consent-Id': d.consentId } : {}),
        ...(d.consentToken ? { 'X-Consent-Token': d.consentToken } : {}),
      });
      dial.sip(
        { url: this.url(`/voice/whisper?${whisper.toString()}`) },
        `${this.s.humanAgent}?${headers.toString()}`,
      );
    } else {
      dial.number(
        { url: this.url(`/voice/whisper?${whisper.toString()}`), method: 'POST' },
        this.s.humanAgent,
      );
    }
    return r.toString();
  }

  /** What the agent hears before the call is bridged: the consent status, in the company's language. */
  whisper(
    kind: 'granted' | 'none' | 'minor' | 'withdrawn',
    ref: string,
    purposes: string[],
    callerLng = '',
  ): string {
    const lng = this.agentLocale(callerLng);
    const r = new twilio.twiml.VoiceResponse();
    const names = purposes.map((p) => this.v.purposeName(lng, p)).join(', ');
    // The agent hears it at the normal pace, even where the caller's texts are said slower.
    this.v.speak(
      r,
      lng,
      `whisper.${kind}`,
      { purposes: names, ref: ref.split('').join(' ') },
      { plain: true },
    );
    return r.toString();
  }

  /**
   * The whisper is in the company's language; for a caller who chose that language's simple
   * variant it is that variant's whisper, which tells the agent to speak plainly.
   */
  private agentLocale(callerLng: string): string {
    const own = this.s.defaultLocale;
    const caller = parseLocaleName(callerLng);
    return caller?.kind === 'simple' && caller.base === languageOf(own) && this.catalog.has(callerLng)
      ? callerLng
      : own;
  }

  /** After a Dial to the human team ended: nothing more to say unless the agent did not answer. */
  afterDial(lng: string, answered: boolean): string {
    const safeLng = this.catalog.has(lng) ? lng : this.s.defaultLocale;
    const r = new twilio.twiml.VoiceResponse();
    if (!answered) this.speak(r, safeLng, 'noAgent', this.localVars(safeLng, 16));
    r.hangup();
    return r.toString();
  }

  private hasInterests(): boolean {
    return Boolean(this.s.texts.byLocale.legitimateInterests);
  }

  /**
   * The exact texts a caller hears in the consent sequence, stored content-addressed as the notice
   * version. `lng` is the locale they are said in, a simple-language or country variant included.
   */
  noticeContent(lng: string, age: number): string {
    const vars = this.localVars(lng, age);
    const texts: Record<string, string> = {};
    const keys = [
      'disclosure',
      'main',
      'age',
      ...this.s.purposes.slice(1).map((p) => this.questionKey(lng, 'purpose', p.id)),
      'info',
      ...(this.hasInterests() ? ['infoInterests'] : []),
    ];
    for (const key of keys) {
      const recorded = this.v.recorded(lng, key, vars);
      texts[key] = recorded
        ? `audio:${recorded.urlPath}#sha256=${recorded.sha256}`
        : this.v.sentence(lng, key, vars).text;
    }
    return JSON.stringify({ locale: lng, purposes: this.s.purposes.map((p) => p.id), texts });
  }
}
