/**
 * A Twilio emulator for integration tests. It plays the caller's side of an inbound call against
 * the app (signed webhooks, TwiML execution as Twilio documents it) and serves the parts of
 * Twilio's REST API the app uses (recordings and their media, messages, live call updates).
 *
 * Where things are: emulator.ts (the server, calls and webhook log), call.ts with verbs.ts,
 * dial.ts, heard.ts and ssml.ts (running TwiML), recordings.ts and recording-media.ts (the
 * recordings store and its audio), rest-*.ts (the REST resources), webhook-sender.ts and
 * signing.ts (requests to the app), types.ts (what tests configure and inspect).
 */
export { toneWav } from './audio';
export { EmulatedCall } from './call';
export { TwilioEmulator } from './emulator';
export { twilioSignature } from './signing';
export type {
  CallbackOrder,
  DialOutcome,
  EmulatedRecording,
  EmulatorFaults,
  EmulatorOptions,
  Heard,
  HeardVerb,
  PlaceCallParams,
  RecordingStatus,
  RestRequest,
  SentMessage,
  WebhookExchange,
  WebhookKind,
} from './types';
export { newSid, rfc2822 } from './wire-format';
