import { noticeVersionId, type NoticeContent } from '../audit/notices';
import type { Catalog } from '../i18n/catalog';
import { spokenKeys } from '../i18n/spoken-keys';
import { Speaker } from '../twiml/speaker';
import { TwimlRenderer, type RenderSettings } from '../twiml/render';
import { variantCatalogs, type NoticeSource } from './source';
import { gateFindings } from './variants';

/**
 * One playable set of everything callers hear: the catalog and settings, the renderer built from
 * them, and the notice version they are (its id is the hash of what they say).
 */
export interface Speech {
  version: string;
  content: NoticeContent;
  catalog: Catalog;
  settings: RenderSettings;
  renderer: TwimlRenderer;
  /** A/B wording variants that pass the compliance gate: name → what a caller assigned to it hears. */
  variants: Map<string, { catalog: Catalog; renderer: TwimlRenderer }>;
  /** What the compliance gate found (a variant named here never plays and is never approved). */
  gate: string[];
}

/** Where the voice webhooks get what to say; null: no version may be played (see NoticeSet). */
export interface SpeechSource {
  current(): Speech | null;
}

/**
 * Everything a caller can hear, per language: the consent sequence as it is said (the per-call
 * notice), then every other spoken text with the operator's values filled in (per-call values
 * such as the consent reference stay as placeholders). A recording stands as its path and hash.
 */
export function heardContent(catalog: Catalog, settings: RenderSettings, age: number): NoticeContent {
  const renderer = new TwimlRenderer(catalog, settings);
  const speaker = new Speaker(catalog, settings);
  const content: NoticeContent = {};
  // Every locale that can be spoken: the menu's and the country variants (de-AT) merged over theirs.
  for (const lng of catalog.allLocales) {
    const parsed = JSON.parse(renderer.noticeContent(lng, age)) as { texts: Record<string, string> };
    const texts = { ...parsed.texts };
    const vars = speaker.vars(lng, age);
    for (const key of spokenKeys(
      settings.purposes.map((p) => p.id),
      (k) => catalog.exists(lng, k),
    )) {
      if (key in texts) continue;
      const recorded = catalog.recorded(lng, key);
      texts[key] = recorded
        ? `audio:${recorded.urlPath}#sha256=${recorded.sha256}`
        : speaker.sentence(lng, key, vars).text;
    }
    content[lng] = texts;
  }
  return content;
}

/**
 * The speech of a catalog; with a source, its variants too. Every variant's texts are part of the
 * version (`variant:<name>:<key>`, where they differ), so a variant is signed off like any text.
 */
export function speechOf(
  catalog: Catalog,
  settings: RenderSettings,
  age: number,
  source?: NoticeSource,
): Speech {
  const content = heardContent(catalog, settings, age);
  const variants: Speech['variants'] = new Map();
  const gate = source ? gateFindings(source.prompts, source.variants ?? {}, source.elements ?? {}) : [];
  if (source)
    for (const [name, vc] of variantCatalogs(catalog, source)) {
      const heard = heardContent(vc, settings, age);
      for (const [lng, texts] of Object.entries(heard))
        for (const [key, text] of Object.entries(texts))
          if (content[lng]?.[key] !== text) (content[lng] ??= {})[`variant:${name}:${key}`] = text;
      if (!gate.some((f) => f.includes(`/variants/${name}:`)))
        variants.set(name, { catalog: vc, renderer: new TwimlRenderer(vc, settings) });
    }
  return {
    version: noticeVersionId(content),
    content,
    catalog,
    settings,
    renderer: new TwimlRenderer(catalog, settings),
    variants,
    gate,
  };
}

/** What a caller assigned to `variant` hears: that variant's texts, or the live ones. */
export function speechFor(speech: Speech, variant: string | undefined): Pick<Speech, 'catalog' | 'renderer'> {
  return (variant && speech.variants.get(variant)) || speech;
}

/** Always the same speech: for tools and tests that build an app around one catalog. */
export function fixedSpeech(speech: Speech): SpeechSource {
  return { current: () => speech };
}
