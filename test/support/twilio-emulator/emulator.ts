/**
 * The emulator itself: a REST API server on a free port, the calls placed through it, and the
 * webhooks it sends to the app. Callbacks Twilio sends asynchronously (recording status) are
 * queued and delivered before the call action that caused them resolves, so a test sees a
 * settled world after every `await`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { appUrl } from './app-url';
import { EmulatedCall } from './call';
import { RecordingMedia } from './recording-media';
import { createRecording, type RecordingSettings, stopRecording } from './recordings';
import { handleRest } from './rest-api';
import { twilioError } from './rest-http';
import type {
  EmulatedRecording,
  EmulatorFaults,
  EmulatorOptions,
  HttpResult,
  PlaceCallParams,
  RestRequest,
  SentMessage,
  WebhookExchange,
  WebhookKind,
} from './types';
import { type SignatureFault, sendWebhook } from './webhook-sender';
import { API_VERSION } from './wire-format';

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
    const media = new RecordingMedia(opts.recordingWav);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      handleRest(emulator, media, req, res).catch((e: unknown) => {
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
    opts: SignatureFault = {},
  ): Promise<HttpResult> {
    const url = appUrl(this.options.appBaseUrl, path);
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
    opts: SignatureFault = {},
  ): Promise<HttpResult> {
    const sentAt = Date.now();
    const {
      method: sent,
      url: target,
      ...result
    } = await sendWebhook(this.options.authToken, method, url, params, opts);
    const ms = Date.now() - sentAt;
    this.webhooks.push({ kind, callSid, method: sent, url: target, params, ...result, sentAt, ms });
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
    opts: RecordingSettings,
  ): EmulatedRecording {
    return createRecording(this, call, source, opts);
  }

  /** @internal Stops a recording and queues its 'completed' callback on the call. */
  stopRecording(rec: EmulatedRecording): void {
    stopRecording(this, rec);
  }

  /** @internal */
  async postStatus(call: EmulatedCall, url: string, params: Record<string, string>): Promise<void> {
    if (this.faults.statusCallback === 'drop') return;
    const times = this.faults.statusCallback === 'duplicate' ? 2 : 1;
    for (let i = 0; i < times; i++) await this.webhook('status', call.callSid, 'POST', url, params);
  }
}
