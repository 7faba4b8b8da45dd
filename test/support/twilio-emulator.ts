/**
 * A Twilio emulator for integration tests. It plays the caller's side of an inbound call against
 * the app (signed webhooks, TwiML execution as Twilio documents it) and serves the parts of
 * Twilio's REST API the app uses (recordings and their media, messages, live call updates).
 *
 * Callbacks Twilio sends asynchronously (recording status) are queued and delivered before the
 * call action that caused them resolves, so a test sees a settled world after every `await`.
 */
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { childElements, type XmlElement, parseXml, textContent } from './twiml-parser';

export interface EmulatorOptions {
  accountSid: string;
  authToken: string;
  /** PUBLIC_BASE_URL of the app, e.g. http://127.0.0.1:PORT */
  appBaseUrl: string;
  /** Audio served as the recording; default: an 8 kHz mono 440 Hz tone WAV of the recording's duration. */
  recordingWav?: (callSid: string, seconds: number) => Promise<Buffer>;
}

export type HeardVerb = 'Say' | 'Play' | 'Dial' | 'Redirect' | 'Hangup' | 'Connect' | 'Sms' | 'Pause';

export interface Heard {
  verb: HeardVerb;
  text?: string;
  language?: string;
  voice?: string;
  url?: string;
  number?: string;
  whisper?: Heard[];
  /** For Say: the speaking rate of its SSML `<prosody rate>`, where the text is wrapped in one. */
  rate?: string;
  /** For Say and Dial: whether a recording of this call was running when it happened. */
  recording?: boolean;
  attrs: Record<string, string>;
}

export type CallbackOrder = 'recording-first' | 'status-first';
export type DialOutcome = 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';

export interface PlaceCallParams {
  from: string;
  to: string;
  fromCountry?: string;
  toCountry?: string;
  /** Extra webhook parameters sent with every request of this call (e.g. CallerName). */
  extra?: Record<string, string>;
  /** When the call ends: recording callbacks before the status callback (default) or after it. */
  callbackOrder?: CallbackOrder;
  /** RecordingDuration (and length of the served audio) instead of the measured wall-clock time. */
  recordingSeconds?: number;
  /** DialCallStatus of every <Dial> on this call (default 'completed': the agent answered and later hung up). */
  dialOutcome?: DialOutcome;
  /** Status callback URL; default `${appBaseUrl}/voice/status`; null sends none. */
  statusCallback?: string | null;
}

export type RecordingStatus = 'in-progress' | 'paused' | 'stopped' | 'completed' | 'deleted';

export interface EmulatedRecording {
  sid: string;
  callSid: string;
  status: RecordingStatus;
  startedAt: number;
  stoppedAt?: number;
  name?: string;
  statusCallback?: string;
  statusCallbackMethod: string;
  statusCallbackEvents: string[];
  source: 'StartCallRecording' | 'StartCallRecordingAPI';
  track: string;
  channels: number;
  /** Seconds, fixed when the recording stops. */
  duration?: number;
}

export interface EmulatorFaults {
  /** Recording media downloads: stall ('slow'), fail, cut off mid-body, or serve noise that is not a WAV. */
  media?: 'slow' | '500' | 'truncated' | 'garbage';
  /** Total time a 'slow' media response takes (default 10 s). */
  mediaSlowMs?: number;
  /** Every other REST request answers with this status (Twilio error JSON). */
  rest?: 500 | 503 | 429;
  /** Only DELETE of recordings fails with 500. */
  deleteRecording?: '500';
  recordingCallback?: 'drop' | 'duplicate';
  statusCallback?: 'drop' | 'duplicate';
}

export type WebhookKind = 'twiml' | 'whisper' | 'status' | 'recording' | 'manual';

export interface WebhookExchange {
  kind: WebhookKind;
  callSid?: string;
  method: string;
  url: string;
  params: Record<string, string>;
  status: number;
  body: string;
  contentType: string;
}

export interface SentMessage {
  sid: string;
  to: string;
  from: string;
  body: string;
}

export interface RestRequest {
  method: string;
  path: string;
  auth: string | undefined;
  body: Record<string, string>;
}

interface HttpResult {
  status: number;
  body: string;
  contentType: string;
}

const API_VERSION = '2010-04-01';
const MAX_DOCUMENTS_PER_ACTION = 50;
const WEBHOOK_TIMEOUT_MS = 15_000;
const FFMPEG = existsSync('/usr/bin/ffmpeg') ? '/usr/bin/ffmpeg' : 'ffmpeg';

export function newSid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

/** X-Twilio-Signature: base64 HMAC-SHA1 of the full URL followed by each POST key+value, sorted by key. */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf-8')).digest('base64');
}

/** RFC 2822 date as Twilio writes it: "Tue, 10 Jun 2025 12:00:00 +0000". */
export function rfc2822(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

function runFfmpeg(args: string[], input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const proc = spawn(FFMPEG, ['-hide_banner', '-loglevel', 'error', ...args], { stdio: 'pipe' });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    proc.stdout.on('data', (c: Buffer) => out.push(c));
    proc.stderr.on('data', (c: Buffer) => err.push(c));
    proc.on('error', reject);
    proc.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`ffmpeg exited ${code}: ${Buffer.concat(err).toString()}`));
    });
    proc.stdin.on('error', () => undefined);
    proc.stdin.end(input);
  });
}

/** 8 kHz mono 16-bit PCM WAV, a 440 Hz tone of the given length (what Twilio's mono recordings look like). */
export function toneWav(seconds: number): Promise<Buffer> {
  return runFfmpeg([
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:sample_rate=8000:duration=${seconds}`,
    '-ac',
    '1',
    '-ar',
    '8000',
    '-c:a',
    'pcm_s16le',
    '-f',
    'wav',
    'pipe:1',
  ]);
}

function wavToMp3(wav: Buffer): Promise<Buffer> {
  return runFfmpeg(
    ['-f', 'wav', '-i', 'pipe:0', '-c:a', 'libmp3lame', '-b:a', '32k', '-f', 'mp3', 'pipe:1'],
    wav,
  );
}

function parseForm(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const prev = out[key];
    out[key] = prev === undefined ? value : `${prev} ${value}`;
  }
  return out;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf-8')));
    req.on('error', reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function twilioError(res: http.ServerResponse, status: number, code: number, message: string): void {
  sendJson(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class TwilioEmulator {
  readonly apiBase: string;
  requests: RestRequest[] = [];
  recordings = new Map<string, EmulatedRecording>();
  messages: SentMessage[] = [];
  calls = new Map<string, EmulatedCall>();
  /** Every request the emulator made to the app, with the app's answer. */
  webhooks: WebhookExchange[] = [];
  faults: EmulatorFaults = {};

  private readonly pending = new Set<Promise<unknown>>();
  private readonly media = new Map<string, Promise<Buffer>>();

  private constructor(
    readonly options: EmulatorOptions,
    private readonly server: http.Server,
  ) {
    const { port } = server.address() as AddressInfo;
    this.apiBase = `http://127.0.0.1:${port}`;
  }

  static async start(opts: EmulatorOptions): Promise<TwilioEmulator> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const emulator = new TwilioEmulator(opts, server);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      emulator.handleRest(req, res).catch((e: unknown) => {
        if (!res.headersSent) twilioError(res, 500, 20500, `Emulator error: ${String(e)}`);
        else res.destroy();
      });
    });
    return emulator;
  }

  placeCall(p: PlaceCallParams): EmulatedCall {
    const call = new EmulatedCall(this, p);
    this.calls.set(call.callSid, call);
    return call;
  }

  /** Sends a (by default correctly) signed POST to the app, as Twilio would. */
  async signedPost(
    path: string,
    params: Record<string, string>,
    opts: { badSignature?: boolean; noSignature?: boolean } = {},
  ): Promise<HttpResult> {
    const url = new URL(path, this.options.appBaseUrl).toString();
    return this.webhook('manual', undefined, 'POST', url, params, opts);
  }

  /** Waits until every callback and background call action started so far has finished. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async close(): Promise<void> {
    await this.settle();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  recordingUrl(sid: string): string {
    return `${this.apiBase}/${API_VERSION}/Accounts/${this.options.accountSid}/Recordings/${sid}`;
  }

  /** @internal Makes a signed request to the app and logs it in `webhooks`. */
  async webhook(
    kind: WebhookKind,
    callSid: string | undefined,
    method: string,
    url: string,
    params: Record<string, string>,
    opts: { badSignature?: boolean; noSignature?: boolean } = {},
  ): Promise<HttpResult> {
    const isGet = method.toUpperCase() === 'GET';
    let target = url;
    if (isGet) {
      const u = new URL(url);
      for (const [k, v] of Object.entries(params)) u.searchParams.append(k, v);
      target = u.toString();
    }
    const signedParams = isGet ? {} : params;
    const headers: Record<string, string> = {
      'User-Agent': 'TwilioProxy/1.1',
      Accept: '*/*',
      'I-Twilio-Idempotency-Token': randomBytes(16).toString('hex'),
    };
    if (!opts.noSignature) {
      const token = opts.badSignature ? `${this.options.authToken}x` : this.options.authToken;
      headers['X-Twilio-Signature'] = twilioSignature(token, target, signedParams);
    }
    let result: HttpResult;
    try {
      const res = await fetch(target, {
        method: isGet ? 'GET' : 'POST',
        headers: isGet ? headers : { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: isGet ? undefined : new URLSearchParams(params).toString(),
        redirect: 'manual',
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      result = {
        status: res.status,
        body: await res.text(),
        contentType: res.headers.get('content-type') ?? '',
      };
    } catch (e) {
      result = { status: 0, body: String(e), contentType: '' };
    }
    this.webhooks.push({ kind, callSid, method: isGet ? 'GET' : 'POST', url: target, params, ...result });
    return result;
  }

  /** @internal Runs a promise in the background and lets `settle()` wait for it. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    const done = (): void => {
      this.pending.delete(promise);
    };
    promise.then(done, done);
    return promise;
  }

  /** @internal */
  createRecording(
    call: EmulatedCall,
    source: EmulatedRecording['source'],
    opts: {
      name?: string;
      callback?: string;
      method?: string;
      events?: string;
      track?: string;
      channels?: string;
    },
  ): EmulatedRecording {
    const events = (opts.events ?? 'completed')
      .split(/[\s,]+/)
      .map((e) => e.trim())
      .filter(Boolean);
    const rec: EmulatedRecording = {
      sid: newSid('RE'),
      callSid: call.callSid,
      status: 'in-progress',
      startedAt: Date.now(),
      name: opts.name,
      statusCallback: opts.callback,
      statusCallbackMethod: (opts.method ?? 'POST').toUpperCase(),
      statusCallbackEvents: events,
      source,
      track: opts.track ?? 'both',
      channels: opts.channels === 'dual' || opts.channels === '2' ? 2 : 1,
    };
    this.recordings.set(rec.sid, rec);
    if (events.includes('in-progress')) call.queueCallback(() => this.postRecordingEvent(rec, 'in-progress'));
    return rec;
  }

  /** @internal Stops a recording and queues its 'completed' callback on the call. */
  stopRecording(rec: EmulatedRecording): void {
    if (rec.status !== 'in-progress' && rec.status !== 'paused') return;
    const call = this.calls.get(rec.callSid);
    rec.status = 'stopped';
    rec.stoppedAt = Date.now();
    const measured = Math.max(1, Math.round((rec.stoppedAt - rec.startedAt) / 1000));
    rec.duration = call?.recordingSeconds ?? measured;
    const complete = async (): Promise<void> => {
      if (rec.status === 'stopped') rec.status = 'completed';
      if (rec.statusCallbackEvents.includes('completed')) await this.postRecordingEvent(rec, 'completed');
    };
    if (call) call.queueCallback(complete);
    else void this.track(complete());
  }

  private async postRecordingEvent(
    rec: EmulatedRecording,
    status: 'in-progress' | 'completed',
  ): Promise<void> {
    if (!rec.statusCallback || this.faults.recordingCallback === 'drop') return;
    const params: Record<string, string> = {
      AccountSid: this.options.accountSid,
      CallSid: rec.callSid,
      RecordingSid: rec.sid,
      RecordingUrl: this.recordingUrl(rec.sid),
      RecordingStatus: status,
      RecordingChannels: String(rec.channels),
      RecordingSource: rec.source,
      RecordingStartTime: rfc2822(rec.startedAt),
      RecordingTrack: rec.track,
    };
    if (status === 'completed') params.RecordingDuration = String(rec.duration ?? 0);
    const times = this.faults.recordingCallback === 'duplicate' ? 2 : 1;
    for (let i = 0; i < times; i++) {
      await this.webhook('recording', rec.callSid, rec.statusCallbackMethod, rec.statusCallback, params);
    }
  }

  /** @internal */
  async postStatus(call: EmulatedCall, url: string, params: Record<string, string>): Promise<void> {
    if (this.faults.statusCallback === 'drop') return;
    const times = this.faults.statusCallback === 'duplicate' ? 2 : 1;
    for (let i = 0; i < times; i++) await this.webhook('status', call.callSid, 'POST', url, params);
  }

  private mediaFor(rec: EmulatedRecording): Promise<Buffer> {
    let wav = this.media.get(rec.sid);
    if (!wav) {
      const seconds = rec.duration ?? 1;
      wav = this.options.recordingWav ? this.options.recordingWav(rec.callSid, seconds) : toneWav(seconds);
      this.media.set(rec.sid, wav);
    }
    return wav;
  }

  private recordingJson(rec: EmulatedRecording): Record<string, unknown> {
    const base = `/${API_VERSION}/Accounts/${this.options.accountSid}/Recordings/${rec.sid}`;
    return {
      account_sid: this.options.accountSid,
      api_version: API_VERSION,
      call_sid: rec.callSid,
      conference_sid: null,
      date_created: rfc2822(rec.startedAt),
      date_updated: rfc2822(rec.stoppedAt ?? rec.startedAt),
      start_time: rfc2822(rec.startedAt),
      duration: rec.duration === undefined ? '-1' : String(rec.duration),
      sid: rec.sid,
      price: null,
      price_unit: 'USD',
      status: rec.status === 'stopped' ? 'processing' : rec.status,
      channels: rec.channels,
      source: rec.source,
      error_code: null,
      track: rec.track,
      uri: `${base}.json`,
      media_url: `${this.apiBase}${base}`,
      encryption_details: null,
    };
  }

  /**
   * One page of a Recordings list as Twilio pages it: PageSize (default 50, at most 1000), Page,
   * and a next_page_uri (relative, with a PageToken) while more remain, else null.
   */
  private recordingsPage(url: URL, list: EmulatedRecording[]): Record<string, unknown> {
    const size = Math.min(1000, Math.max(1, Number(url.searchParams.get('PageSize') ?? 50) || 50));
    const page = Math.max(0, Number(url.searchParams.get('Page') ?? 0) || 0);
    // Newest first, as Twilio lists them; the sid breaks ties within one millisecond.
    const sorted = [...list].sort((a, b) => b.startedAt - a.startedAt || a.sid.localeCompare(b.sid));
    const items = sorted.slice(page * size, (page + 1) * size);
    const base = `/${API_VERSION}/Accounts/${this.options.accountSid}/Recordings.json`;
    const at = (p: number, token?: string): string =>
      `${base}?PageSize=${size}&Page=${p}${token ? `&PageToken=PA${token}` : ''}`;
    const more = (page + 1) * size < sorted.length;
    return {
      recordings: items.map((x) => this.recordingJson(x)),
      start: page * size,
      end: page * size + Math.max(0, items.length - 1),
      page,
      page_size: size,
      uri: at(page),
      first_page_uri: at(0),
      previous_page_uri: page > 0 ? at(page - 1) : null,
      next_page_uri: more ? at(page + 1, items[items.length - 1]?.sid) : null,
    };
  }

  private callJson(call: EmulatedCall): Record<string, unknown> {
    return {
      sid: call.callSid,
      account_sid: this.options.accountSid,
      api_version: API_VERSION,
      from: call.params.From,
      to: call.params.To,
      direction: 'inbound',
      status: call.state,
      duration: call.state === 'completed' ? String(call.durationSeconds()) : null,
      uri: `/${API_VERSION}/Accounts/${this.options.accountSid}/Calls/${call.callSid}.json`,
    };
  }

  private authorized(header: string | undefined): boolean {
    if (!header?.startsWith('Basic ')) return false;
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf-8');
    return decoded === `${this.options.accountSid}:${this.options.authToken}`;
  }

  private async handleRest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', this.apiBase);
    const body = parseForm(await readBody(req));
    const auth = req.headers.authorization;
    this.requests.push({ method, path: url.pathname + url.search, auth, body });

    if (!this.authorized(auth)) {
      res.setHeader('WWW-Authenticate', 'Basic realm="Twilio API"');
      return twilioError(res, 401, 20003, 'Authenticate');
    }
    const m = /^\/2010-04-01\/Accounts\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!m || m[1] !== this.options.accountSid)
      return twilioError(res, 404, 20404, 'The requested resource was not found');
    const rest = m[2] ?? '';

    const media = /^Recordings\/(RE[0-9a-f]{32})(\.wav|\.mp3)?$/.exec(rest);
    if (media && method === 'GET')
      return this.serveMedia(res, media[1] ?? '', media[2] === '.mp3' ? 'mp3' : 'wav');

    if (this.faults.rest) return twilioError(res, this.faults.rest, 20500, 'Injected fault');

    let r: RegExpExecArray | null;
    if (
      (r = /^(?:Calls\/(CA[0-9a-f]{32})\/)?Recordings\/(RE[0-9a-f]{32}|Twilio\.CURRENT)\.json$/.exec(rest))
    ) {
      return this.recordingResource(res, method, r[1], r[2] ?? '', body);
    }
    if ((r = /^Calls\/(CA[0-9a-f]{32})\/Recordings\.json$/.exec(rest))) {
      return this.callRecordings(res, method, r[1] ?? '', body);
    }
    if (rest === 'Recordings.json' && method === 'GET') {
      const callSid = url.searchParams.get('CallSid');
      const list = [...this.recordings.values()].filter(
        (x) => x.status !== 'deleted' && (!callSid || x.callSid === callSid),
      );
      return sendJson(res, 200, this.recordingsPage(url, list));
    }
    if (rest === 'Messages.json' && method === 'POST') return this.createMessage(res, body);
    if (rest === 'Messages.json' && method === 'GET') {
      // Twilio lists messages newest first, filtered by To and From when given.
      const to = url.searchParams.get('To');
      const from = url.searchParams.get('From');
      const list = this.messages.filter((m) => (!to || m.to === to) && (!from || m.from === from)).reverse();
      return sendJson(res, 200, {
        messages: list.map((m) => ({ sid: m.sid, to: m.to, from: m.from, body: m.body, status: 'sent' })),
      });
    }
    if ((r = /^Calls\/(CA[0-9a-f]{32})\.json$/.exec(rest)))
      return this.callResource(res, method, r[1] ?? '', body);
    return twilioError(res, 404, 20404, 'The requested resource was not found');
  }

  private recordingResource(
    res: http.ServerResponse,
    method: string,
    callSid: string | undefined,
    sidOrCurrent: string,
    body: Record<string, string>,
  ): void {
    let rec: EmulatedRecording | undefined;
    if (sidOrCurrent === 'Twilio.CURRENT') {
      const active = [...this.recordings.values()].filter(
        (x) => x.callSid === callSid && (x.status === 'in-progress' || x.status === 'paused'),
      );
      rec = active[active.length - 1];
    } else {
      rec = this.recordings.get(sidOrCurrent);
      if (rec && callSid && rec.callSid !== callSid) rec = undefined;
    }
    if (!rec || rec.status === 'deleted')
      return twilioError(res, 404, 20404, 'The requested resource was not found');

    if (method === 'GET') return sendJson(res, 200, this.recordingJson(rec));
    if (method === 'DELETE') {
      if (this.faults.deleteRecording === '500') return twilioError(res, 500, 20500, 'Injected fault');
      rec.status = 'deleted';
      res.writeHead(204).end();
      return;
    }
    if (method === 'POST') {
      if (!callSid) return twilioError(res, 405, 20004, 'Method not allowed');
      const status = body.Status;
      if (status === 'stopped') this.stopRecording(rec);
      else if (status === 'paused' && rec.status === 'in-progress') rec.status = 'paused';
      else if (status === 'in-progress' && rec.status === 'paused') rec.status = 'in-progress';
      else if (status !== 'paused' && status !== 'in-progress') {
        return twilioError(res, 400, 21220, `Invalid Status ${status ?? ''}`);
      }
      const call = this.calls.get(rec.callSid);
      if (call && !call.isBusy()) void this.track(call.flushCallbacks());
      return sendJson(res, 200, this.recordingJson(rec));
    }
    return twilioError(res, 405, 20004, 'Method not allowed');
  }

  private callRecordings(
    res: http.ServerResponse,
    method: string,
    callSid: string,
    body: Record<string, string>,
  ): void {
    const call = this.calls.get(callSid);
    if (!call) return twilioError(res, 404, 20404, 'The requested resource was not found');
    if (method === 'GET') {
      const list = [...this.recordings.values()].filter(
        (x) => x.callSid === callSid && x.status !== 'deleted',
      );
      return sendJson(res, 200, { recordings: list.map((x) => this.recordingJson(x)) });
    }
    if (method !== 'POST') return twilioError(res, 405, 20004, 'Method not allowed');
    if (call.state !== 'in-progress') return twilioError(res, 400, 21220, 'Call is not in-progress');
    const rec = this.createRecording(call, 'StartCallRecordingAPI', {
      callback: body.RecordingStatusCallback,
      method: body.RecordingStatusCallbackMethod,
      events: body.RecordingStatusCallbackEvent,
      track: body.RecordingTrack,
      channels: body.RecordingChannels,
    });
    if (!call.isBusy()) void this.track(call.flushCallbacks());
    return sendJson(res, 201, this.recordingJson(rec));
  }

  private createMessage(res: http.ServerResponse, body: Record<string, string>): void {
    if (!body.To) return twilioError(res, 400, 21604, "A 'To' phone number is required.");
    if (!body.From && !body.MessagingServiceSid)
      return twilioError(res, 400, 21603, "A 'From' phone number is required.");
    if (!body.Body && !body.MediaUrl) return twilioError(res, 400, 21602, 'Message body is required.');
    const msg: SentMessage = { sid: newSid('SM'), to: body.To, from: body.From ?? '', body: body.Body ?? '' };
    this.messages.push(msg);
    const now = rfc2822(Date.now());
    return sendJson(res, 201, {
      sid: msg.sid,
      account_sid: this.options.accountSid,
      api_version: API_VERSION,
      to: msg.to,
      from: msg.from || null,
      messaging_service_sid: body.MessagingServiceSid ?? null,
      body: msg.body,
      status: 'queued',
      direction: 'outbound-api',
      num_segments: '1',
      date_created: now,
      date_updated: now,
      date_sent: null,
      error_code: null,
      error_message: null,
      uri: `/${API_VERSION}/Accounts/${this.options.accountSid}/Messages/${msg.sid}.json`,
    });
  }

  private callResource(
    res: http.ServerResponse,
    method: string,
    callSid: string,
    body: Record<string, string>,
  ): void {
    const call = this.calls.get(callSid);
    if (!call) return twilioError(res, 404, 20404, 'The requested resource was not found');
    if (method === 'GET') return sendJson(res, 200, this.callJson(call));
    if (method !== 'POST') return twilioError(res, 405, 20004, 'Method not allowed');
    if (call.state === 'completed') {
      return twilioError(res, 400, 21220, 'Call is not in-progress. Cannot redirect.');
    }
    if (body.Status === 'completed' || body.Status === 'canceled') call.requestUpdate({ kind: 'end' });
    else if (body.Twiml) call.requestUpdate({ kind: 'twiml', twiml: body.Twiml });
    else if (body.Url) call.requestUpdate({ kind: 'url', url: body.Url, method: body.Method ?? 'POST' });
    else return twilioError(res, 400, 21205, 'Url, Twiml or Status is required');
    return sendJson(res, 200, this.callJson(call));
  }

  private async serveMedia(res: http.ServerResponse, sid: string, format: 'wav' | 'mp3'): Promise<void> {
    const rec = this.recordings.get(sid);
    if (!rec || rec.status !== 'completed') {
      return twilioError(res, 404, 20404, 'The requested resource was not found');
    }
    const fault = this.faults.media;
    if (fault === '500') return twilioError(res, 500, 20500, 'Injected fault');
    const wav = await this.mediaFor(rec);
    const audio = format === 'mp3' ? await wavToMp3(wav) : wav;
    const contentType = format === 'mp3' ? 'audio/mpeg' : 'audio/x-wav';
    if (fault === 'garbage') {
      const noise = randomBytes(audio.length);
      res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': noise.length });
      res.end(noise);
      return;
    }
    if (fault === 'truncated') {
      res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': audio.length });
      res.write(audio.subarray(0, Math.floor(audio.length / 2)), () => res.destroy());
      return;
    }
    if (fault === 'slow') {
      res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': audio.length });
      const parts = 10;
      const size = Math.ceil(audio.length / parts);
      for (let i = 0; i < parts && !res.destroyed; i++) {
        await sleep((this.faults.mediaSlowMs ?? 10_000) / parts);
        res.write(audio.subarray(i * size, (i + 1) * size));
      }
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': audio.length });
    res.end(audio);
  }
}

interface Doc {
  url: string;
  verbs: XmlElement[];
  index: number;
}

type Update =
  { kind: 'end' } | { kind: 'twiml'; twiml: string } | { kind: 'url'; url: string; method: string };

type Step =
  | { kind: 'next' }
  | { kind: 'wait' }
  | { kind: 'end'; reason: string; callStatus?: string }
  | { kind: 'fetch'; url: string; method: string; params: Record<string, string> };

const GATHER_NESTABLE = new Set(['Say', 'Play', 'Pause']);
/** SSML elements Twilio documents inside <Say>; it applies them to Amazon Polly and Google voices only. */
const SSML_ELEMENTS = new Set([
  'break',
  'emphasis',
  'lang',
  'p',
  'phoneme',
  'prosody',
  's',
  'say-as',
  'sub',
  'w',
]);
const PROSODY_RATE = /^(x-slow|slow|medium|fast|x-fast|\d{1,3}%)$/;

/** The <prosody rate> of a <Say>; throws (an application error) on SSML Twilio would refuse. */
function sayRate(say: XmlElement): string | undefined {
  let rate: string | undefined;
  const walk = (el: XmlElement): void => {
    for (const child of childElements(el)) {
      if (!SSML_ELEMENTS.has(child.name)) throw new Error(`<${child.name}> is not SSML that <Say> takes`);
      if (!/^(Polly|Google)\./.test(say.attrs.voice ?? ''))
        throw new Error(
          `SSML <${child.name}> needs a Polly or Google voice, not "${say.attrs.voice ?? 'default'}"`,
        );
      if (child.name === 'prosody' && child.attrs.rate !== undefined) {
        if (!PROSODY_RATE.test(child.attrs.rate))
          throw new Error(`invalid prosody rate "${child.attrs.rate}"`);
        rate = child.attrs.rate;
      }
      walk(child);
    }
  };
  walk(say);
  return rate;
}

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

  constructor(
    private readonly emulator: TwilioEmulator,
    p: PlaceCallParams,
  ) {
    const { accountSid, appBaseUrl } = emulator.options;
    this.callbackOrder = p.callbackOrder ?? 'recording-first';
    this.dialOutcome = p.dialOutcome ?? 'completed';
    this.recordingSeconds = p.recordingSeconds;
    this.statusCallback =
      p.statusCallback === undefined ? new URL('/voice/status', appBaseUrl).toString() : p.statusCallback;
    const fromCountry = p.fromCountry ?? 'US';
    const toCountry = p.toCountry ?? 'US';
    this.params = {
      AccountSid: accountSid,
      ApiVersion: API_VERSION,
      CallSid: this.callSid,
      Direction: 'inbound',
      From: p.from,
      To: p.to,
      Caller: p.from,
      Called: p.to,
      FromCountry: fromCountry,
      ToCountry: toCountry,
      CallerCountry: fromCountry,
      CalledCountry: toCountry,
      FromCity: '',
      FromState: '',
      FromZip: '',
      ToCity: '',
      ToState: '',
      ToZip: '',
      CallerCity: '',
      CallerState: '',
      CallerZip: '',
      CalledCity: '',
      CalledState: '',
      CalledZip: '',
      ...(p.extra ?? {}),
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
      const url = new URL('/voice/incoming', this.emulator.options.appBaseUrl).toString();
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
    const docUrl = this.doc?.url ?? new URL('/voice/incoming', this.emulator.options.appBaseUrl).toString();
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
    return { ...this.params, CallStatus: callStatus };
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
        step = await this.execute(verb, doc);
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
    return [...this.emulator.recordings.values()].some(
      (r) => r.callSid === this.callSid && (r.status === 'in-progress' || r.status === 'paused'),
    );
  }

  /** What the caller heard of a verb, and whether their call was being recorded while they heard it. */
  private callerHeard(el: XmlElement, doc: Doc): Heard {
    const heard = this.heardOf(el, doc);
    return heard.verb === 'Say' ? { ...heard, recording: this.isRecording() } : heard;
  }

  private heardOf(el: XmlElement, doc: Doc): Heard {
    const attrs = { ...el.attrs };
    switch (el.name) {
      case 'Say': {
        const rate = sayRate(el);
        return {
          verb: 'Say',
          text: textContent(el).replace(/\s+/g, ' ').trim(),
          language: attrs.language,
          voice: attrs.voice,
          ...(rate ? { rate } : {}),
          attrs,
        };
      }
      case 'Play': {
        const src = textContent(el).trim();
        return { verb: 'Play', url: src ? new URL(src, doc.url).toString() : undefined, attrs };
      }
      case 'Pause':
        return { verb: 'Pause', attrs };
      default:
        throw new Error(`<${el.name}> cannot be nested in <Gather>`);
    }
  }

  private async execute(verb: XmlElement, doc: Doc): Promise<Step> {
    const attrs = verb.attrs;
    switch (verb.name) {
      case 'Say':
      case 'Play':
      case 'Pause':
        this.heard.push(this.callerHeard(verb, doc));
        return { kind: 'next' };
      case 'Gather': {
        const input = (attrs.input ?? 'dtmf').split(/\s+/);
        if (input.some((i) => i !== 'dtmf' && i !== 'speech'))
          throw new Error(`invalid Gather input "${attrs.input}"`);
        if (attrs.numDigits !== undefined && !/^[1-9][0-9]*$/.test(attrs.numDigits)) {
          throw new Error(`invalid Gather numDigits "${attrs.numDigits}"`);
        }
        for (const child of childElements(verb)) {
          if (!GATHER_NESTABLE.has(child.name))
            throw new Error(`<${child.name}> cannot be nested in <Gather>`);
          this.heard.push(this.callerHeard(child, doc));
        }
        this.gather = { el: verb, doc };
        this.lastGather = { ...attrs };
        return { kind: 'wait' };
      }
      case 'Redirect': {
        const target = textContent(verb).trim();
        if (!target) throw new Error('<Redirect> without a URL');
        const url = new URL(target, doc.url).toString();
        this.heard.push({ verb: 'Redirect', url, attrs: { ...attrs } });
        return {
          kind: 'fetch',
          url,
          method: (attrs.method ?? 'POST').toUpperCase(),
          params: this.webhookParams(),
        };
      }
      case 'Hangup':
        this.heard.push({ verb: 'Hangup', attrs: { ...attrs } });
        return { kind: 'end', reason: 'hangup' };
      case 'Reject':
        return {
          kind: 'end',
          reason: 'rejected',
          callStatus: attrs.reason === 'busy' ? 'busy' : 'no-answer',
        };
      case 'Dial':
        return this.dial(verb, doc);
      case 'Connect': {
        const target = childElements(verb)[0];
        const url = target?.attrs.url;
        this.heard.push({
          verb: 'Connect',
          url,
          text: target?.name,
          attrs: { ...attrs, ...(target?.attrs ?? {}) },
        });
        this.connected = true;
        return { kind: 'wait' };
      }
      case 'Start':
        for (const child of childElements(verb)) {
          if (child.name !== 'Recording') continue;
          const a = child.attrs;
          this.emulator.createRecording(this, 'StartCallRecording', {
            name: a.name,
            callback: a.recordingStatusCallback
              ? new URL(a.recordingStatusCallback, doc.url).toString()
              : undefined,
            method: a.recordingStatusCallbackMethod,
            events: a.recordingStatusCallbackEvent,
            track: a.track,
            channels: a.channels,
          });
        }
        return { kind: 'next' };
      case 'Stop':
        for (const child of childElements(verb)) {
          if (child.name !== 'Recording') continue;
          const active = [...this.emulator.recordings.values()].filter(
            (r) => r.callSid === this.callSid && (r.status === 'in-progress' || r.status === 'paused'),
          );
          const name = child.attrs.name;
          const target = name ? active.find((r) => r.name === name) : active[active.length - 1];
          if (target) this.emulator.stopRecording(target);
        }
        return { kind: 'next' };
      case 'Sms': {
        const to = attrs.to ?? this.params.From ?? '';
        const from = attrs.from ?? this.params.To ?? '';
        const text = textContent(verb).trim();
        this.emulator.messages.push({ sid: newSid('SM'), to, from, body: text });
        this.heard.push({ verb: 'Sms', text, number: to, attrs: { ...attrs } });
        return { kind: 'next' };
      }
      default:
        throw new Error(`the emulator does not support <${verb.name}>`);
    }
  }

  private async dial(verb: XmlElement, doc: Doc): Promise<Step> {
    const nouns = childElements(verb);
    const target = nouns[0];
    const number = (target ? textContent(target) : textContent(verb)).trim();
    if (!number) throw new Error('<Dial> without a number');
    if (target && !['Number', 'Sip', 'Client', 'Conference', 'Queue', 'Application'].includes(target.name)) {
      throw new Error(`<${target.name}> cannot be nested in <Dial>`);
    }
    const childSid = newSid('CA');
    let whisper: Heard[] | undefined;
    let whisperUrl: string | undefined;
    let outcome = this.dialOutcome;
    if (target?.attrs.url && outcome === 'completed') {
      whisperUrl = new URL(target.attrs.url, doc.url).toString();
      whisper = [];
      const answered = await this.runWhisper(
        whisperUrl,
        (target.attrs.method ?? 'POST').toUpperCase(),
        {
          AccountSid: this.params.AccountSid ?? '',
          ApiVersion: API_VERSION,
          CallSid: childSid,
          ParentCallSid: this.callSid,
          CallStatus: 'in-progress',
          Direction: 'outbound-dial',
          From: verb.attrs.callerId ?? this.params.From ?? '',
          To: number,
          Caller: verb.attrs.callerId ?? this.params.From ?? '',
          Called: number,
        },
        whisper,
      );
      if (!answered) outcome = 'no-answer';
    }
    this.heard.push({
      verb: 'Dial',
      recording: this.isRecording(),
      number,
      text: target?.name ?? 'Number',
      url: whisperUrl,
      whisper,
      attrs: { ...verb.attrs, ...(target?.attrs ?? {}) },
    });
    const action = verb.attrs.action;
    if (!action) return { kind: 'next' };
    const params: Record<string, string> = {
      ...this.webhookParams(),
      DialCallStatus: outcome,
      DialCallSid: childSid,
    };
    if (outcome === 'completed') params.DialCallDuration = '1';
    return {
      kind: 'fetch',
      url: new URL(action, doc.url).toString(),
      method: (verb.attrs.method ?? 'POST').toUpperCase(),
      params,
    };
  }

  /** Runs the agent leg's screening TwiML; returns false when it hangs up (the agent is not bridged). */
  private async runWhisper(
    url: string,
    method: string,
    params: Record<string, string>,
    out: Heard[],
  ): Promise<boolean> {
    let next: { url: string; method: string } | undefined = { url, method };
    for (let hops = 0; next && hops < 10; hops++) {
      const res = await this.emulator.webhook('whisper', this.callSid, next.method, next.url, params);
      const docUrl: string = next.url;
      next = undefined;
      let root: XmlElement;
      try {
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
        root = parseXml(res.body);
        if (root.name !== 'Response') throw new Error(`root <${root.name}>`);
      } catch (e) {
        this.errors.push(`whisper ${docUrl}: ${e instanceof Error ? e.message : String(e)}`);
        out.push({ verb: 'Say', text: 'APPLICATION ERROR', attrs: {} });
        return false;
      }
      const doc: Doc = { url: docUrl, verbs: childElements(root), index: 0 };
      for (const verb of doc.verbs) {
        if (verb.name === 'Say' || verb.name === 'Play' || verb.name === 'Pause')
          out.push(this.heardOf(verb, doc));
        else if (verb.name === 'Gather') {
          for (const child of childElements(verb)) out.push(this.heardOf(child, doc));
          break;
        } else if (verb.name === 'Hangup' || verb.name === 'Reject') return false;
        else if (verb.name === 'Redirect') {
          next = {
            url: new URL(textContent(verb).trim(), docUrl).toString(),
            method: verb.attrs.method ?? 'POST',
          };
          break;
        }
      }
    }
    return true;
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
