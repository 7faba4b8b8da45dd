import twilio from 'twilio';
import { SMS_KEY } from '../flow/machine';
import type { Catalog, Vars } from '../i18n/catalog';

export type VoiceResponse = twilio.twiml.VoiceResponse;
export type Container = VoiceResponse | ReturnType<VoiceResponse['gather']>;

export interface RenderSettings {
  baseUrl: string;
  company: string;
  assistantName: string;
  controller: string;
  dpoContact: string;
  recipients: string;
  supervisoryAuthority: string;
  purposes: Array<{ id: string; retentionDays: number }>;
  languageKey: string;
  humanAgent: string | null;
  assistantUrl: string | null;
  defaultLocale: string;
}

/** The one recording a call has: the consent sequence, started and stopped by this name. */
export const RECORDING_NAME = 'consent';

/** Stops the consent recording; harmless when none runs (Twilio ignores an unknown name). */
export function stopRecording(r: VoiceResponse): void {
  // The helper library does not type <Stop><Recording>; Twilio documents it for named recordings.
  r.stop().addChild('Recording', { name: RECORDING_NAME });
}

/** Says locale texts (or plays their recordings) with the operator's values filled in. */
export class Speaker {
  constructor(
    readonly catalog: Catalog,
    readonly s: RenderSettings,
  ) {}

  url(path: string): string {
    return `${this.s.baseUrl}${path}`;
  }

  /** The locale a text is said in: the caller's when shipped, else the operator's default. */
  safeLocale(lng: string): string {
    return this.catalog.has(lng) ? lng : this.s.defaultLocale;
  }

  vars(lng: string, age: number): Vars {
    return {
      company: this.s.company,
      assistant: this.s.assistantName,
      controller: this.s.controller,
      dpo: this.s.dpoContact,
      recipients: this.s.recipients,
      authority: this.s.supervisoryAuthority,
      retentionDays: Math.min(...this.s.purposes.map((p) => p.retentionDays)),
      key: this.s.languageKey,
      smsKey: SMS_KEY,
      age,
      purposeList: this.s.purposes.map((p) => this.purposeName(lng, p.id)).join(', '),
    };
  }

  purposeName(lng: string, id: string): string {
    return this.catalog.t(lng, `purposeNames.${id}`, { defaultValue: id });
  }

  /** Say the text of `key`, or play the operator's recording of it when one exists. */
  speak(node: Container, lng: string, key: string, vars: Vars): void {
    const recorded = this.catalog.recorded(lng, key);
    if (recorded) {
      node.play({}, this.url(recorded.urlPath));
      return;
    }
    const text = this.catalog.t(lng, key, vars);
    const voice = this.catalog.t(lng, 'language.voice');
    node.say(
      {
        language: this.catalog.t(lng, 'language.speech') as never,
        ...(voice && voice !== 'language.voice' ? { voice: voice as never } : {}),
      },
      text,
    );
  }
}
