import type { Intent } from './intents';

/** What the flow needs between two webhooks; it rides in the (signed) action URL. */
export interface CallState {
  lng: string;
  /** The question now open. */
  q: 'main' | 'purpose' | 'sms' | 'lang';
  /** Index into the configured purposes for q = purpose (0 is the main purpose). */
  pi: number;
  /** Misses (silence, unclear) on the open question. */
  miss: number;
  /** Consent ID once the main question was answered with yes. */
  cid?: string;
  /** Purposes answered so far: id → granted. */
  ans: Record<string, boolean>;
  /** Question to return to after the SMS offer or the language menu. */
  back?: 'main' | 'purpose';
  /** Wall-clock ms when the open question started playing: where the evidence clip begins. */
  at?: number;
  /** Age of digital consent for the caller's country, fixed when the call came in. */
  age?: number;
  /** The caller's country (ISO 3166 alpha-2): picks a country variant of the texts (de-AT). */
  cc?: string;
  /** The A/B wording variant this call was assigned (none: the live wording). */
  v?: string;
}

export interface Answer {
  intent: Intent;
  via: 'dtmf' | 'speech' | 'none';
  reason: string;
  digits?: string;
  speech?: string;
  confidence?: number;
}

export type HandoverReason =
  'declined' | 'agent_requested' | 'no_answer' | 'withdrawn' | 'minor' | 'error' | 'purpose_no_answer';

/** What the caller hears next; rendered to TwiML by `twiml/`. */
export type Step =
  | {
      kind: 'ask';
      question: 'main' | 'purpose';
      purposeId: string;
      lead: Lead[];
      startRecording: boolean;
      withDisclosure: boolean;
    }
  | { kind: 'info'; back: 'main' | 'purpose'; smsOffer: boolean }
  | { kind: 'languageMenu' }
  | { kind: 'assistant'; lead: Lead[]; stopRecording: boolean }
  | { kind: 'human'; reason: HandoverReason; consentHolds: boolean; lead: Lead[]; stopRecording: boolean };

/** Short texts said before the next prompt, by locale key. */
export type Lead =
  | 'reprompt'
  | 'withdrawn'
  | 'smsSent'
  | 'smsNotSent'
  | 'purposeGranted'
  | 'purposeDeclined'
  | 'granted'
  | 'declined'
  | 'minor'
  | 'languageChanged';

export type FlowEvent =
  | { type: 'reprompted'; question: string; miss: number; reason: string }
  | { type: 'info_requested'; question: string }
  | { type: 'sms_requested' }
  | { type: 'language_menu' }
  | { type: 'language_changed'; from: string; to: string }
  | { type: 'granted'; purpose: string; main: boolean; reason: string }
  | { type: 'declined'; purpose: string; main: boolean; reason: string }
  | { type: 'withdrawn'; reason: string }
  | { type: 'minor_declared'; reason: string }
  | { type: 'no_answer'; question: string }
  | { type: 'recording_stop_requested' }
  | { type: 'handover'; to: 'assistant' | 'human'; reason: string; consentHolds: boolean };

export interface Transition {
  state: CallState;
  step: Step;
  events: FlowEvent[];
  /** The main decision was just taken: the handler writes the consent record. */
  decision?: 'granted' | 'declined';
  /** The answer that ends the consent sequence came in: the clip ends here. */
  sequenceEnded: boolean;
  /** Outcome of the call once known. */
  outcome?: 'granted' | 'declined' | 'withdrawn' | 'no_answer';
  /** Work to do outside the flow (in the same transaction as the events). */
  effects: Array<'withdraw_all' | 'send_privacy_sms'>;
}
