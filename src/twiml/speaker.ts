import twilio from 'twilio';
import { SMS_KEY } from '../flow/machine';
import type { Catalog, PromptAudio, Vars } from '../i18n/catalog';
import { languageOf, parseLocaleName } from '../i18n/locale-variants';
import {
  FIELD_VARIABLES,
  fieldOfVariable,
  LOCALIZED_FIELDS,
  operatorText,
  type LocalizedField,
  type OperatorTexts,
} from '../i18n/operator-texts';

export type VoiceResponse = twilio.twiml.VoiceResponse;
export type Container = VoiceResponse | ReturnType<VoiceResponse['gather']>;
type SayAttributes = Parameters<VoiceResponse['say']>[0];
/** The library types these as unions of the codes Twilio knows; ours come from the locale files. */
export type SpeechLanguage = NonNullable<NonNullable<Parameters<VoiceResponse['gather']>[0]>['language']>;
type SayLanguage = NonNullable<SayAttributes['language']>;
type SayVoice = NonNullable<SayAttributes['voice']>;

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
  /** The operator's texts per locale (recipients, authority, ...); plain fields above are the default locale's. */
  texts: OperatorTexts;
}

/** Voices that take SSML such as `<prosody rate>` inside `<Say>` (Twilio: Amazon Polly and Google). */
const SSML_VOICE = /^(Polly|Google)\./;

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

  /** The operator's text of a field for a locale, else the locale's own default; undefined: none. */
  operatorText(lng: string, field: LocalizedField): string | undefined {
    const given = operatorText(this.s.texts, field, lng);
    if (given !== undefined || this.s.texts.byLocale[field]) return given;
    return this.catalog.template(lng, `operatorDefaults.${field}`);
  }

  vars(lng: string, age: number): Vars {
    const vars: Vars = {
      company: this.s.company,
      assistant: this.s.assistantName,
      dpo: this.s.dpoContact,
      retentionDays: Math.min(...this.s.purposes.map((p) => p.retentionDays)),
      key: this.s.languageKey,
      smsKey: SMS_KEY,
      age,
      purposeList: this.s.purposes.map((p) => this.purposeName(lng, p.id)).join(', '),
      retentionList: this.s.purposes
        .map((p) =>
          this.catalog.t(lng, 'retentionItem', {
            purpose: this.purposeName(lng, p.id),
            days: new Intl.NumberFormat(lng, { maximumFractionDigits: 5 }).format(p.retentionDays),
          }),
        )
        .join(', '),
    };
    for (const field of LOCALIZED_FIELDS) vars[FIELD_VARIABLES[field]] = this.operatorText(lng, field) ?? '';
    return vars;
  }

  /** The operator's name of a purpose for `lng` or, for a variant, its language; undefined: none. */
  private operatorPurposeName(lng: string, id: string): string | undefined {
    const named = this.s.texts.purposeNames[id];
    return named?.[lng] ?? named?.[languageOf(lng)];
  }

  purposeName(lng: string, id: string): string {
    return (
      this.operatorPurposeName(lng, id) ?? this.catalog.t(lng, `purposeNames.${id}`, { defaultValue: id })
    );
  }

  /** Whether the sentence of `key` in `lng` needs an operator text (or a purpose name) that lng lacks. */
  private lacksTranslation(lng: string, key: string): boolean {
    const template = this.catalog.template(lng, key) ?? '';
    for (const [, name] of template.matchAll(/\{\{\s*(\w+)\s*\}\}/g)) {
      const field = name ? fieldOfVariable(name) : undefined;
      if (field && this.operatorText(lng, field) === undefined) return true;
      if (name === 'purposeList' || name === 'retentionList' || name === 'purpose')
        if (
          this.s.purposes.some(
            (p) => this.s.texts.purposeNames[p.id] && this.operatorPurposeName(lng, p.id) === undefined,
          )
        )
          return true;
    }
    return false;
  }

  /**
   * The text of `key` for a caller in `lng`, and the locale it is said in. A sentence that would
   * need an operator text not given for `lng` is said whole in the default locale: one language
   * per sentence (production never gets here: it does not start with a text missing).
   */
  sentence(lng: string, key: string, vars: Vars): { lng: string; text: string } {
    const fallback = this.s.defaultLocale;
    if (lng !== fallback && this.lacksTranslation(lng, key)) {
      const own = this.vars(fallback, Number(vars.age ?? 16));
      return { lng: fallback, text: this.catalog.t(fallback, key, { ...vars, ...own }) };
    }
    return { lng, text: this.catalog.t(lng, key, vars) };
  }

  /**
   * The operator's recording of `key` in `lng`. A country variant plays its language's recording
   * of a text it says word for word the same (the recording says what the caller would hear).
   */
  recorded(lng: string, key: string, vars: Vars): PromptAudio | undefined {
    const own = this.catalog.recorded(lng, key);
    const base = parseLocaleName(lng);
    if (own || base?.kind !== 'country') return own;
    const inherited = this.catalog.recorded(base.base, key);
    if (!inherited) return undefined;
    const same =
      this.sentence(lng, key, vars).text ===
      this.sentence(base.base, key, { ...vars, ...this.vars(base.base, Number(vars.age ?? 16)) }).text;
    return same ? inherited : undefined;
  }

  /** Say the text of `key`, or play the operator's recording of it when one exists. */
  speak(node: Container, lng: string, key: string, vars: Vars, opts: { plain?: boolean } = {}): void {
    const recorded = this.recorded(lng, key, vars);
    if (recorded) {
      node.play({}, this.url(recorded.playPath ?? recorded.urlPath));
      return;
    }
    const said = this.sentence(lng, key, vars);
    const voice = this.catalog.template(said.lng, 'language.voice');
    const attributes = {
      language: this.catalog.t(said.lng, 'language.speech') as SayLanguage,
      ...(voice ? { voice: voice as SayVoice } : {}),
    };
    // Slower speech (simple language) is SSML, which Twilio applies to Polly and Google voices only.
    const rate = opts.plain ? undefined : this.catalog.template(said.lng, 'language.rate');
    if (rate && voice && SSML_VOICE.test(voice)) node.say(attributes, '').prosody({ rate }, said.text);
    else node.say(attributes, said.text);
  }
}
