import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import i18next, { type i18n } from 'i18next';
import { parseLexicon, type Lexicon } from '../flow/intents';
import { lexiconProblems } from '../flow/intents/check';
import { JsonPositionError, readJsonFile } from './locale-json';
import { menuOrder, overlay, parseLocaleName, textLocaleOf, type LocaleName } from './locale-variants';

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
  /** Where Twilio fetches it, when not at urlPath (a replaced recording kept by hash). */
  playPath?: string;
}

const AUDIO_EXTENSIONS = ['.mp3', '.wav'];

/**
 * Everything a caller hears or says, per locale, read once at start from `locales/<lng>/` and
 * `prompts/<lng>/`. A new language is a new folder: nothing here names a language.
 */
export class Catalog {
  private constructor(
    /** The language menu, in its order: languages, then their simple-language variants. */
    readonly locales: string[],
    /** Every locale that can be spoken: the menu's and the country variants. */
    readonly allLocales: string[],
    private readonly i18n: i18n,
    private readonly lexicons: Map<string, Lexicon>,
    private readonly audio: Map<string, PromptAudio>,
  ) {}

  static load(localesDir: string, promptsDir: string): Catalog {
    const { locales, resources, lexicons, problems } = readLocales(localesDir);
    if (problems.length > 0) throw new Error(`locales are not valid:\n  - ${problems.join('\n  - ')}`);
    return Catalog.fromParts(locales, resources, lexicons, readAudio(promptsDir, locales));
  }

  /** A catalog from texts already read (a notice version's own copy of them, say): no file I/O. */
  static fromParts(
    locales: string[],
    resources: LocaleRead['resources'],
    lexicons: Map<string, Lexicon>,
    audio: Map<string, PromptAudio>,
  ): Catalog {
    const instance = i18next.createInstance();
    void instance.init({
      resources,
      lng: locales[0],
      // Variants are merged here, key by key (locale-variants.ts): i18next never falls back itself.
      fallbackLng: false,
      load: 'currentOnly',
      initAsync: false,
      interpolation: { escapeValue: false },
      returnNull: false,
    });
    const names = locales.map(parseLocaleName).filter((n): n is LocaleName => n !== null);
    return new Catalog(menuOrder(names), locales, instance, lexicons, audio);
  }

  /** Every recorded prompt, keyed `lng/key`. */
  recordings(): ReadonlyMap<string, PromptAudio> {
    return this.audio;
  }

  has(lng: string): boolean {
    return this.lexicons.has(lng);
  }

  /** The locale a caller of `lng` from `country` hears: its country variant where one ships. */
  textLocale(lng: string, country: string | null | undefined): string {
    return textLocaleOf(lng, country, (l) => this.has(l));
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

export interface LocaleRead {
  /** Every locale folder, sorted. */
  locales: string[];
  /** The language menu (see locale-variants.ts). */
  menu: string[];
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
  const parsed: LocaleName[] = [];
  for (const name of names) {
    const p = parseLocaleName(name);
    if (!p) problems.push(`${name}: not a locale folder name (de, de-simple or de-AT)`);
    else if (p.kind !== 'language' && !names.includes(p.base))
      problems.push(`${name}: a variant of ${p.base}, but there is no locales/${p.base}/ folder`);
    else parsed.push(p);
  }
  const own = (lng: string, file: string): unknown =>
    readJsonFile(path.join(localesDir, lng, file), `${lng}/${file}`).value;
  const texts = new Map<string, Record<string, unknown>>();
  // Languages and simple-language variants give every text of their own: a simple variant that
  // took a text from its language would say it in legal terms. Country variants come after them.
  const ordered = [...parsed].sort((a, b) => Number(a.kind === 'country') - Number(b.kind === 'country'));
  for (const { name: lng, kind, base } of ordered) {
    const baseTexts = texts.get(base);
    // A language that does not load is reported once, not again through each of its variants.
    if (kind === 'country' && !baseTexts) continue;
    try {
      let prompts = own(lng, 'prompts.json') as Record<string, unknown>;
      if (kind === 'country') {
        const { merged, unknown } = overlay(baseTexts ?? {}, prompts);
        for (const key of unknown) problems.push(`${lng}/prompts.json: "${key}" is not a text of ${base}`);
        prompts = merged;
      }
      for (const key of REQUIRED_KEYS) {
        const value = getPath(prompts, key);
        if (typeof value !== 'string' || value.trim() === '')
          problems.push(`${lng}/prompts.json: "${key}" is missing or empty`);
      }
      texts.set(lng, prompts);
      resources[lng] = { translation: prompts };
    } catch (error) {
      problems.push(positioned(error) ?? `${lng}/prompts.json: ${(error as Error).message}`);
    }
    // A variant without a lexicon of its own understands callers as its language does.
    const inherited = kind !== 'language' && !fs.existsSync(path.join(localesDir, lng, 'lexicon.json'));
    if (inherited) {
      const lexicon = lexicons.get(base);
      if (lexicon) lexicons.set(lng, lexicon);
      continue;
    }
    try {
      const lexicon = parseLexicon(own(lng, 'lexicon.json'));
      // A lexicon that could grant consent to something other than a yes is refused, not loaded.
      for (const problem of lexiconProblems(lexicon)) problems.push(`${lng}/lexicon.json: ${problem}`);
      lexicons.set(lng, lexicon);
    } catch (error) {
      problems.push(positioned(error) ?? `${lng}/lexicon.json: ${(error as Error).message}`);
    }
  }
  const menu = menuOrder(parsed);
  if (menu.length > 9) problems.push('at most 9 locales fit the one-key language menu');
  return { locales: parsed.map((p) => p.name), menu, resources, lexicons, problems };
}

export function readAudio(promptsDir: string, locales: string[]): Map<string, PromptAudio> {
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
