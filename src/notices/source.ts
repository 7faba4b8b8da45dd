import fs from 'node:fs';
import path from 'node:path';
import type { Lexicon } from '../flow/intents';
import { Catalog, readAudio, readLocales, type PromptAudio } from '../i18n/catalog';
import type { RenderSettings } from '../twiml/render';
import type { ElementDeclaration } from './gate';
import { mergeVariant, readVariants, textAt, VARIABLE_KEY, type VariantTexts } from './variants';

/**
 * What a notice version is built from: every locale's prompts.json, the operator's settings that
 * are spoken (company, purposes, texts, ...) and the recorded prompts by hash. Kept with the
 * version, so the live version can be played again while a newer draft waits for sign-off.
 * Lexicons are what callers say, not what they hear: they always come from the files.
 */
export type SpokenSettings = Pick<
  RenderSettings,
  | 'company'
  | 'assistantName'
  | 'controller'
  | 'dpoContact'
  | 'recipients'
  | 'supervisoryAuthority'
  | 'purposes'
  | 'languageKey'
  | 'texts'
>;

export interface NoticeSource {
  prompts: Record<string, Record<string, unknown>>;
  /** A/B wording variants (notices/variants) and the elements they are checked against. */
  variants?: VariantTexts;
  elements?: Record<string, ElementDeclaration>;
  spoken: SpokenSettings;
  /** `lng/key` → the recording's URL path and hash. */
  audio: Record<string, { urlPath: string; sha256: string }>;
}

export function spokenOf(s: RenderSettings): SpokenSettings {
  return {
    company: s.company,
    assistantName: s.assistantName,
    controller: s.controller,
    dpoContact: s.dpoContact,
    recipients: s.recipients,
    supervisoryAuthority: s.supervisoryAuthority,
    purposes: s.purposes,
    languageKey: s.languageKey,
    texts: s.texts,
  };
}

export interface OnDisk {
  source: NoticeSource;
  lexicons: Map<string, Lexicon>;
  audio: Map<string, PromptAudio>;
  /** Why the files cannot be played (a broken JSON file, a missing text): empty when they can. */
  problems: string[];
}

/** The locale files, recordings and operator settings as they are now. */
export function readOnDisk(localesDir: string, promptsDir: string, settings: RenderSettings): OnDisk {
  const { locales, resources, lexicons, problems } = readLocales(localesDir);
  const audio = readAudio(promptsDir, locales);
  const prompts: NoticeSource['prompts'] = {};
  for (const lng of locales) if (resources[lng]) prompts[lng] = resources[lng].translation;
  const variants = readVariants(localesDir, locales);
  problems.push(...variants.problems);
  return {
    source: {
      prompts,
      variants: variants.variants,
      elements: variants.elements,
      spoken: spokenOf(settings),
      audio: Object.fromEntries([...audio].map(([k, a]) => [k, { urlPath: a.urlPath, sha256: a.sha256 }])),
    },
    lexicons,
    audio,
    problems,
  };
}

/** The catalog of the files as read (only when they have no problems). */
export function diskCatalog(disk: OnDisk): Catalog {
  const locales = Object.keys(disk.source.prompts).sort();
  const resources = Object.fromEntries(
    locales.map((l) => [l, { translation: disk.source.prompts[l] ?? {} }]),
  );
  return Catalog.fromParts(locales, resources, disk.lexicons, disk.audio);
}

/**
 * Recordings are kept by hash beside the ledger (`prompt-audio/<sha256>.<ext>`), so a recording an
 * operator replaced can still be played while the version that has it is the live one.
 */
export function archiveRecordings(archiveDir: string, audio: ReadonlyMap<string, PromptAudio>): void {
  for (const a of audio.values()) {
    const target = path.join(archiveDir, `${a.sha256}${path.extname(a.file)}`);
    if (fs.existsSync(target)) continue;
    fs.mkdirSync(archiveDir, { recursive: true });
    const partial = `${target}.${process.pid}.part`;
    fs.copyFileSync(a.file, partial);
    fs.renameSync(partial, target);
  }
}

export const ARCHIVE_URL = '/prompts/archive';

/** Beside the ledger file: the recordings of every version, by hash. */
export const archiveDirOf = (databasePath: string): string =>
  path.join(path.dirname(databasePath), 'prompt-audio');

/**
 * The catalog a stored source plays with, or why it cannot be played here: a recording neither
 * in prompts/ with the same hash nor in the archive, or a language whose lexicon is gone.
 */
export function catalogOfSource(
  source: NoticeSource,
  disk: Pick<OnDisk, 'lexicons' | 'audio'>,
  archiveDir: string,
): Catalog | { problem: string } {
  const locales = Object.keys(source.prompts).sort();
  const missing = locales.filter((l) => !disk.lexicons.has(l));
  if (missing.length > 0) return { problem: `no lexicon for ${missing.join(', ')} in locales/` };
  const audio = new Map<string, PromptAudio>();
  for (const [key, a] of Object.entries(source.audio)) {
    const onDisk = disk.audio.get(key);
    if (onDisk?.sha256 === a.sha256) {
      audio.set(key, onDisk);
      continue;
    }
    const ext = path.extname(a.urlPath);
    const archived = path.join(archiveDir, `${a.sha256}${ext}`);
    if (!fs.existsSync(archived))
      return { problem: `recording ${key} (sha256 ${a.sha256.slice(0, 12)}) is gone` };
    audio.set(key, { ...a, file: archived, playPath: `${ARCHIVE_URL}/${a.sha256}${ext}` });
  }
  const resources = Object.fromEntries(locales.map((l) => [l, { translation: source.prompts[l] ?? {} }]));
  return Catalog.fromParts(locales, resources, disk.lexicons, audio);
}

/** Variant name → its catalog: the locale texts with the variant's overrides, where it has them. */
export function variantCatalogs(base: Catalog, source: NoticeSource): Map<string, Catalog> {
  const out = new Map<string, Catalog>();
  const names = new Set(Object.values(source.variants ?? {}).flatMap((byName) => Object.keys(byName)));
  for (const name of [...names].sort()) {
    const resources = Object.fromEntries(
      base.allLocales.map((l) => {
        const overrides = source.variants?.[l]?.[name];
        const texts = source.prompts[l] ?? {};
        return [l, { translation: overrides ? mergeVariant(texts, overrides) : texts }];
      }),
    );
    // A recording of a text the variant words differently would play the live wording: not used.
    const audio = new Map(
      [...base.recordings()].filter(([k]) => {
        const [lng, key] = [k.slice(0, k.indexOf('/')), k.slice(k.indexOf('/') + 1)];
        const overrides = source.variants?.[lng]?.[name];
        return !(overrides && VARIABLE_KEY.test(key) && textAt(overrides, key) !== undefined);
      }),
    );
    out.set(name, Catalog.fromParts(base.allLocales, resources, lexiconsOf(base), audio));
  }
  return out;
}

const lexiconsOf = (c: Catalog): Map<string, ReturnType<Catalog['lexicon']>> =>
  new Map(c.allLocales.map((l) => [l, c.lexicon(l)]));
