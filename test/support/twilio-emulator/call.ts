/**
 * One inbound call as Twilio runs it: answered with POST /voice/incoming, its TwiML executed verb
 * by verb until it waits at a <Gather> or <Connect> or ends, driven by the test as the caller
 * (keys, speech, silence, hangup) and by the app through live updates of the REST API. A call
 * does one action at a time; recording callbacks wait until that action comes to rest.
 */
import { childElements, parseXml, type XmlElement } from '../twiml-parser';
import { inboundCallParams, withCallStatus } from './call-params';
import type { TwilioEmulator } from './emulator';
import { activeRecordings } from './recordings';
import type { Doc, Step } from './twiml-document';
import type { CallbackOrder, DialOutcome, Heard, HttpResult, PlaceCallParams } from './types';
import { executeVerb, type VerbHost } from './verbs';
import { appUrl } from './app-url';
import { newSid, rfc2822 } from './wire-format';

const MAX_DOCUMENTS_PER_ACTION = 50;

type Update =
  { kind: 'end' } | { kind: 'twiml'; twiml: string } | { kind: 'url'; url: string; method: string };

export class EmulatedCall {
  readonly callSid = newSid('CA');
  heard: Heard[] = [];
  state: 'ringing' | 'in-progress' | 'completed' = 'ringing';
  endedReason?: string;
  lastGather?: Record<string, string>;
  lastTwiml = '';
  /** Application errors (what made Twilio say "an application error has occurred"). */
  errors: string[] = [];
  /** Parameters sent with every webhook of this call (CallStatus varies). */
  readonly params: Record<string, string>;
  readonly recordingSeconds?: number;

  private readonly callbackOrder: CallbackOrder;
  private readonly dialOutcome: DialOutcome;
  private readonly statusCallback: string | null;
  private doc?: Doc;
  private gather?: { el: XmlElement; doc: Doc };
  private connected = false;
  private busy = false;
  private startedAt = 0;
  private endedAt = 0;
  private queued: Array<() => Promise<void>> = [];
  private update?: Update;
  /** What running a verb may change of this call (see verbs.ts). */
  private readonly verbHost: VerbHost;

  constructor(
    private readonly emulator: TwilioEmulator,
    p: PlaceCallParams,
  ) {
    const { accountSid, appBaseUrl } = emulator.options;
    this.callbackOrder = p.callbackOrder ?? 'recording-first';
    this.dialOutcome = p.dialOutcome ?? 'completed';
    this.recordingSeconds = p.recordingSeconds;
    this.statusCallback =
      p.statusCallback === undefined ? appUrl(appBaseUrl, '/voice/status') : p.statusCallback;
    this.params = inboundCallParams(accountSid, this.callSid, p);
    this.verbHost = {
      emulator,
      call: this,
      dialOutcome: this.dialOutcome,
      awaitInput: (el, doc) => {
        this.gather = { el, doc };
        this.lastGather = { ...el.attrs };
      },
      bridge: () => {
        this.connected = true;
      },
    };
  }

  get awaitingInput(): boolean {
    return this.state === 'in-progress' && this.gather !== undefined;
  }

  /** True while the call is bridged to a <Connect><Stream> (only a hangup ends it). */
  get isConnected(): boolean {
    return this.state === 'in-progress' && this.connected;
  }

  /** @internal */
  isBusy(): boolean {
    return this.busy;
  }

  durationSeconds(): number {
    const end = this.endedAt || Date.now();
    const measured = this.startedAt ? Math.ceil((end - this.startedAt) / 1000) : 0;
    return Math.max(measured, this.recordingSeconds ?? 0);
  }

  /** Twilio answers the call: POST /voice/incoming, then runs the TwiML until it waits or ends. */
  async start(): Promise<void> {
    if (this.state !== 'ringing') throw new Error('call already started');
    await this.act(async () => {
      this.startedAt = Date.now();
      const url = appUrl(this.emulator.options.appBaseUrl, '/voice/incoming');
      const doc = await this.fetchTwiml(url, 'POST', this.webhookParams('ringing'));
      this.state = 'in-progress';
      if (doc) await this.run(doc);
      else await this.finish('application-error');
    });
  }

  async press(digits: string): Promise<void> {
    if (!/^[0-9*#w]*$/.test(digits)) throw new Error(`not DTMF: ${digits}`);
    await this.act(async () => {
      const g = this.takeGather('dtmf');
      const finishOnKey = g.el.attrs.finishOnKey ?? '#';
      let d = digits.replace(/w/g, '');
      const cut = finishOnKey === '' ? -1 : d.indexOf(finishOnKey);
      if (cut >= 0) d = d.slice(0, cut);
      const numDigits = Number(g.el.attrs.numDigits ?? '0');
      if (numDigits > 0 && d.length > numDigits) d = d.slice(0, numDigits);
      if (d === '') await this.gatherTimeout(g);
      else await this.gatherResult(g, { Digits: d });
    });
  }

  async say(speech: string, confidence = 0.92): Promise<void> {
    await this.act(async () => {
      const g = this.takeGather('speech');
      await this.gatherResult(g, { SpeechResult: speech, Confidence: String(confidence) });
    });
  }

  async silence(): Promise<void> {
    await this.act(async () => {
      const g = this.takeGather(undefined);
      await this.gatherTimeout(g);
    });
  }

  async hangup(): Promise<void> {
    if (this.state === 'completed') return;
    await this.act(async () => {
      this.gather = undefined;
      await this.finish('caller-hangup');
    });
  }

  /**
   * The caller presses a key and hangs up at once. Twilio sends the <Gather> action and ends the
   * call, but the action's request can be overtaken on the way in: here the call ends first (its
   * status and recording callbacks delivered, in the call's callbackOrder), and the key's request
   * waits until the test calls `deliver` (after running jobs, say). Its TwiML goes unheard.
   */
  async pressWhileHangingUp(digits: string): Promise<{ deliver: () => Promise<HttpResult> }> {
    let request: { url: string; method: string } | undefined;
    await this.act(async () => {
      request = this.gatherAction(this.takeGather('dtmf'));
      await this.finish('caller-hangup');
    });
    const { url, method } = request ?? { url: '', method: 'POST' };
    const params = { ...this.webhookParams(), Digits: digits };
    return { deliver: () => this.emulator.webhook('twiml', this.callSid, method, url, params) };
  }

  /** @internal Recording callbacks are delivered when the current call action reaches a resting point. */
  queueCallback(cb: () => Promise<void>): void {
    this.queued.push(cb);
  }

  /** @internal */
  async flushCallbacks(): Promise<void> {
    while (this.queued.length > 0) {
      const cb = this.queued.shift();
      if (cb) await cb();
    }
  }

  /** @internal Live call update through the REST API (Calls/{CA}.json). */
  requestUpdate(update: Update): void {
    this.update = update;
    if (!this.busy) void this.emulator.track(this.act(() => this.applyUpdate()));
  }

  private async applyUpdate(): Promise<void> {
    const update = this.update;
    this.update = undefined;
    if (!update || this.state === 'completed') return;
    this.gather = undefined;
    this.connected = false;
    if (update.kind === 'end') return this.finish('api-update');
    const docUrl = this.doc?.url ?? appUrl(this.emulator.options.appBaseUrl, '/voice/incoming');
    const doc =
      update.kind === 'twiml'
        ? this.parseDoc(docUrl, update.twiml)
        : await this.fetchTwiml(new URL(update.url, docUrl).toString(), update.method, this.webhookParams());
    if (doc) await this.run(doc);
    else await this.finish('application-error');
  }

  private async act(fn: () => Promise<void>): Promise<void> {
    if (this.busy) throw new Error('another action on this call is still running');
    this.busy = true;
    try {
      await fn();
      while (this.update) await this.applyUpdate();
      await this.flushCallbacks();
    } finally {
      this.busy = false;
    }
  }

  private takeGather(input: 'dtmf' | 'speech' | undefined): { el: XmlElement; doc: Doc } {
    const g = this.gather;
    if (!g || this.state !== 'in-progress') throw new Error('no <Gather> is waiting for input');
    const accepted = (g.el.attrs.input ?? 'dtmf').split(/\s+/);
    if (input && !accepted.includes(input))
      throw new Error(`<Gather input="${accepted.join(' ')}"> does not take ${input}`);
    this.gather = undefined;
    return g;
  }

  private gatherAction(g: { el: XmlElement; doc: Doc }): { url: string; method: string } {
    const action = g.el.attrs.action;
    return {
      url: action ? new URL(action, g.doc.url).toString() : g.doc.url,
      method: (g.el.attrs.method ?? 'POST').toUpperCase(),
    };
  }

  private async gatherResult(g: { el: XmlElement; doc: Doc }, input: Record<string, string>): Promise<void> {
    const { url, method } = this.gatherAction(g);
    await this.follow(url, method, { ...this.webhookParams(), ...input });
  }

  private async gatherTimeout(g: { el: XmlElement; doc: Doc }): Promise<void> {
    if (g.el.attrs.actionOnEmptyResult === 'true') {
      const { url, method } = this.gatherAction(g);
      await this.follow(url, method, this.webhookParams());
    } else {
      await this.run(g.doc);
    }
  }

  private async follow(url: string, method: string, params: Record<string, string>): Promise<void> {
    const doc = await this.fetchTwiml(url, method, params);
    if (doc) await this.run(doc);
    else await this.finish('application-error');
  }

  private webhookParams(callStatus = 'in-progress'): Record<string, string> {
    return withCallStatus(this.params, callStatus);
  }

  private applicationError(message: string): void {
    this.errors.push(message);
    this.heard.push({ verb: 'Say', text: 'APPLICATION ERROR', attrs: {} });
  }

  private parseDoc(url: string, twiml: string): Doc | undefined {
    this.lastTwiml = twiml;
    try {
      const root = parseXml(twiml);
      if (root.name !== 'Response') throw new Error(`root element is <${root.name}>, not <Response>`);
      return { url, verbs: childElements(root), index: 0 };
    } catch (e) {
      this.applicationError(`${url}: invalid TwiML: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  private async fetchTwiml(
    url: string,
    method: string,
    params: Record<string, string>,
  ): Promise<Doc | undefined> {
    const res = await this.emulator.webhook('twiml', this.callSid, method, url, params);
    if (res.status !== 200) {
      this.lastTwiml = res.body;
      this.applicationError(`${method} ${url} answered HTTP ${res.status}`);
      return undefined;
    }
    if (!/^(text\/xml|application\/xml|text\/html)\b/i.test(res.contentType)) {
      this.lastTwiml = res.body;
      this.applicationError(`${url} answered Content-Type "${res.contentType}", not XML`);
      return undefined;
    }
    return this.parseDoc(url, res.body);
  }

  /** Executes verbs from the document's current position until the call waits for input or ends. */
  private async run(start: Doc): Promise<void> {
    let doc = start;
    let documents = 0;
    for (;;) {
      if (this.state === 'completed') return;
      this.doc = doc;
      if (this.update) return; // a REST update takes over; act() applies it
      const verb = doc.verbs[doc.index++];
      if (!verb) return this.finish('twiml-end');
      let step: Step;
      try {
        step = await executeVerb(this.verbHost, verb, doc);
      } catch (e) {
        this.applicationError(e instanceof Error ? e.message : String(e));
        return this.finish('application-error');
      }
      if (step.kind === 'wait') return;
      if (step.kind === 'end') return this.finish(step.reason, step.callStatus);
      if (step.kind === 'fetch') {
        if (++documents > MAX_DOCUMENTS_PER_ACTION) {
          this.applicationError('too many documents without waiting for the caller (redirect loop?)');
          return this.finish('application-error');
        }
        const next = await this.fetchTwiml(step.url, step.method, step.params);
        if (!next) return this.finish('application-error');
        doc = next;
      }
    }
  }

  /** True while a recording of this call runs (Twilio's <Start><Recording> until <Stop> or the end). */
  isRecording(): boolean {
    return activeRecordings(this.emulator, this.callSid).length > 0;
  }

  /** The call ends: running recordings stop, then recording and status callbacks in the chosen order. */
  private async finish(reason: string, callStatus = 'completed'): Promise<void> {
    if (this.state === 'completed') return;
    this.state = 'completed';
    this.endedReason = reason;
    this.endedAt = Date.now();
    this.gather = undefined;
    this.connected = false;
    for (const rec of this.emulator.recordings.values()) {
      if (rec.callSid === this.callSid) this.emulator.stopRecording(rec);
    }
    const status = async (): Promise<void> => {
      if (!this.statusCallback) return;
      await this.emulator.postStatus(this, this.statusCallback, {
        ...this.params,
        CallStatus: callStatus,
        CallDuration: String(this.durationSeconds()),
        Timestamp: rfc2822(this.endedAt),
        CallbackSource: 'call-progress-events',
        SequenceNumber: '0',
      });
    };
    if (this.callbackOrder === 'recording-first') {
      await this.flushCallbacks();
      await status();
    } else {
      await status();
      await this.flushCallbacks();
    }
  }
}
