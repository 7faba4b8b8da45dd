/**
 * What the voice-path tests run against: the locales as shipped under locales/ (their prompts and
 * lexicons, read as the service reads them) and the operator settings of the gateway. Every value
 * a prompt interpolates is set here, so the expected texts do not depend on the product's defaults.
 */
import fs from 'node:fs';
import path from 'node:path';
import { languageOf } from '../../../src/i18n/locale-variants';
import { LOCALES, LOCALES_DIR } from '../../support/shipped-locales';

export const CORPUS_DIR = path.join(__dirname, '../../unit/corpus');

export type Json = Record<string, unknown>;
const readJson = (file: string): Json => JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
export const PROMPTS: Record<string, Json> = Object.fromEntries(
  LOCALES.map((lng) => [lng, readJson(path.join(LOCALES_DIR, lng, 'prompts.json'))]),
);

export interface LexiconFile {
  yes: string[];
  no: string[];
  agent: string[];
  negators: string[];
}
/** A variant's own file (de-simple/lexicon.json, de-simple.json), else its language's, as the service reads it. */
export function ownOrLanguage(dir: string, lng: string, file: string): string {
  const at = (l: string): string =>
    file.startsWith('.') ? path.join(dir, `${l}${file}`) : path.join(dir, l, file);
  return fs.existsSync(at(lng)) ? at(lng) : at(languageOf(lng));
}
const readLexicon = (file: string): LexiconFile => JSON.parse(fs.readFileSync(file, 'utf8')) as LexiconFile;
export const LEXICONS: Record<string, LexiconFile> = Object.fromEntries(
  LOCALES.map((lng) => [lng, readLexicon(ownOrLanguage(LOCALES_DIR, lng, 'lexicon.json'))]),
);

/** The company's language: the agent's whisper is spoken in it. */
export const AGENT_LOCALE = 'de';
export const HUMAN_AGENT = '+4930999888';
export const PRIVACY_URL = 'https://privacy.example.net/callers?via=sms';
/** Every caller rings from Austria, whose age of digital consent (14) differs from the default (16). */
export const CALLER_COUNTRY = 'AT';
export const CALLER_AGE = 14;
/** An operator text given per locale, as the operator file holds it: `{ de: "…", en: "…" }`. */
export const perLocale = (text: (lng: string) => string): Record<string, string> =>
  Object.fromEntries(LOCALES.map((lng) => [lng, text(lng)]));
export const OPERATOR = {
  company: 'Nordlicht Versand AG',
  assistantName: 'Mira',
  controller: perLocale((lng) => `Nordlicht Versand AG, Hafenweg 7, 20457 Hamburg (${lng})`),
  dpoContact: 'dsb@nordlicht.example',
  supervisoryAuthority: perLocale((lng) => `Hamburgische Datenschutzbehörde [${lng}]`),
  recipients: perLocale((lng) => `Twilio Ireland Ltd. <${lng}>`),
  dataCategories: perLocale((lng) => `Rufnummer/phone/numéro/numara ${lng}`),
  thirdCountryTransfer: perLocale((lng) => `Twilio USA, DPF and SCC, ${lng}.`),
  legitimateInterests: perLocale((lng) => `fraud prevention ${lng}`),
  purposes: [
    { id: 'call', retentionDays: 21 },
    { id: 'ai_training', retentionDays: 180 },
    { id: 'personalization', retentionDays: 90 },
  ],
  // The called number decides the language: one number per locale. Austria alone would pick de.
  numbers: Object.fromEntries(LOCALES.map((lng, i) => [calledNumber(i), { locale: lng }])),
  ageOfConsent: { default: 16, [CALLER_COUNTRY]: CALLER_AGE },
  languageKey: '8',
};
export const MIN_RETENTION = Math.min(...OPERATOR.purposes.map((p) => p.retentionDays));

export function calledNumber(index: number): string {
  return `+4940555${String(index + 1).padStart(4, '0')}`;
}
export const numberOf = (lng: string): string => calledNumber(LOCALES.indexOf(lng));
