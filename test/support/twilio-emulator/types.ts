/** The emulator's public shapes: what a test configures, places, injects and inspects. */

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
  /** When the request was sent (ms since the epoch) and how long the answer took (ms). */
  sentAt: number;
  ms: number;
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

/** What the app answered to one request the emulator made. */
export interface HttpResult {
  status: number;
  body: string;
  contentType: string;
}
