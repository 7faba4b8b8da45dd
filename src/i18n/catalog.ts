import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import i18next, { type i18n } from 'i18next';
import { parseLexicon, type Lexicon } from '../flow/intents';
import { lexiconProblems } from '../flow/intents/check';
import { JsonPositionError, readJsonFile } from './locale-json';

/** A syntax error already names `file:line:column`. */
const positioned = (error: unknown): string | undefined =>
  error instanceof JsonPositionError ? error.message : undefined;

/** Keys every locale's prompts.json must have; `consent locales check` reports the missing ones. */
export const REQUIRED_KEYS = [
  'language.name',
  'language.speech',
  'language.choose',
  'disclosure',
  'languageHint',
  'main',
  'age',
  'purposeFallback',
  'info',
  'infoInterests',
  'retentionItem',
  'smsOffer',
  'smsHint',
  'smsSent',
  'smsNotSent',
  'smsBody',
  'reprompt',
  'granted',
  'purposeGranted',
  'purposeDeclined',
  'declined',
  'withdrawn',
  'minor',
  'handover',
  'handoverConsentHolds',
  'handoverNoConsent',
  'noAgent',
  'assistant',
  'closing',
  'error',
  'whisper.granted',
  'whisper.none',
  'whisper.minor',
  'whisper.withdrawn',
] as const;

export type Vars = Record<string, string | number>;

export interface PromptAudio {
  file: string;
  urlPath: string;
  sha256: string;
}

const AUDIO_EXTENSIONS = ['.mp3', '.wav'];

/**
 * Everything a caller hears or says, per locale, read once at start from `locales/<lng>/` and
 * `prompts/<lng>/`. A new language is a new folder: nothing here names a language.
 */
export class Catalog {
  private constructor(
    readonly locales: string[],
    private readonly i18n: i18n,
    private readonly lexicons: Map<string, Lexicon>,
    private readonly audio: Map<string, PromptAudio>,
  ) {}

  static load(localesDir: string, promptsDir: string): Catalog {
    const { locales, resources, lexicons, problems } = readLocales(localesDir);
    if (problems.length > 0) throw new Error(`locales are not valid:\n  - ${problems.join('\n  - ')}`);
    const instance = i18next.createInstance();
    void instance.init({
      resources,
      lng: locales[0],
      fallbackLng: false,
      initAsync: false,
      interpolation: { escapeValue: false },
      returnNull: false,
    });
    return new Catalog(locales, instance, lexicons, readAudio(promptsDir, locales));
  }

  has(lng: string): boolean {
    return this.lexicons.has(lng);
  }

  t(lng: string, key: string, vars: Vars = {}): string {
    return this.i18n.t(key, { lng, ...vars }) as string;
  }

  exists(lng: string, key: string): boolean {
    return this.i18n.exists(key, { lng });
  }

  /** The text as written in prompts.json, placeholders unfilled; undefined when the key is not a text. */
  template(lng: string, key: string): string | undefined {
    const value: unknown = this.i18n.getResource(lng, 'translation', key);
    return typeof value === 'string' ? value : undefined;
  }

  lexicon(lng: string): Lexicon {
    const lexicon = this.lexicons.get(lng);
    if (!lexicon) throw new Error(`no lexicon for locale ${lng}`);
    return lexicon;
  }

  /** A recorded prompt replaces text-to-speech when `prompts/<lng>/<key>.mp3|wav` exists. */
  recorded(lng: string, key: string): PromptAudio | undefined {
    return this.audio.get(`${lng}/${key}`);
  }
}

interface LocaleRead {
  locales: string[];
  resources: Record<string, { translation: Record<string, unknown> }>;
  lexicons: Map<string, Lexicon>;
  problems: string[];
}

function getPath(obj: unknown, dotted: string): unknown {
  return dotted
    .split('.')
    .reduce<unknown>(
      (acc, part) => (acc && typeof acc === 'object' ? (acc as Record<string, unknown>)[part] : undefined),
      obj,
    );
}

/** Reads and checks every locale folder; shared by start-up and `consent locales check`. */
export function readLocales(localesDir: string): LocaleRead {
  const problems: string[] = [];
  const resources: LocaleRead['resources'] = {};
  const lexicons = new Map<string, Lexicon>();
  const names = fs.existsSync(localesDir)
    ? fs
        .readdirSync(localesDir)
        .filter((n) => fs.statSync(path.join(localesDir, n)).isDirectory())
        .sort()
    : [];
  if (names.length === 0) problems.push(`no locale folders in ${localesDir}`);
  for (const lng of names) {
    const promptsFile = path.join(localesDir, lng, 'prompts.json');
    const lexiconFile = path.join(localesDir, lng, 'lexicon.json');
    try {
      const prompts = readJsonFile(promptsFile, `${lng}/prompts.json`).value as Record<string, unknown>;
      for (const key of REQUIRED_KEYS) {
        const value = getPath(prompts, key);
        if (typeof value !== 'string' || value.trim() === '')
          problems.push(`${lng}/prompts.json: "${key}" is missing or empty`);
      }
      resources[lng] = { translation: prompts };
    } catch (error) {
      problems.push(positioned(error) ?? `${lng}/prompts.json: ${(error as Error).message}`);
    }
    try {
      const lexicon = parseLexicon(readJsonFile(lexiconFile, `${lng}/lexicon.json`).value);
      // A lexicon that could grant consent to something other than a yes is refused, not loaded.
      for (const problem of lexiconProblems(lexicon)) problems.push(`${lng}/lexicon.json: ${problem}`);
      lexicons.set(lng, lexicon);
    } catch (error) {
      problems.push(positioned(error) ?? `${lng}/lexicon.json: ${(error as Error).message}`);
    }
  }
  if (names.length > 9) problems.push('at most 9 locales fit the one-key language menu');
  return { locales: names, resources, lexicons, problems };
}

function readAudio(promptsDir: string, locales: string[]): Map<string, PromptAudio> {
  const audio = new Map<string, PromptAudio>();
  for (const lng of locales) {
    const dir = path.join(promptsDir, lng);
    if (!fs.existsSync(dir)) continue;
    for (const file of fs.readdirSync(dir)) {
      const ext = path.extname(file);
      if (!AUDIO_EXTENSIONS.includes(ext)) continue;
      const full = path.join(dir, file);
      const sha256 = crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex');
      audio.set(`${lng}/${path.basename(file, ext)}`, {
        file: full,
        urlPath: `/prompts/${lng}/${file}`,
        sha256,
      });
    }
  }
  return audio;
}
