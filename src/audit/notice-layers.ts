import { renderSettings } from '../app';
import { ageOfConsent } from '../calls/locale';
import type { Config } from '../config';
import type { Catalog } from '../i18n/catalog';
import { Speaker } from '../twiml/speaker';
import { escapeHtml as e, type Lang } from './html';

/**
 * The notice a caller heard, layer by layer, as the caller heard it. A stored notice is the JSON
 * the renderer made (`{ locale, purposes, texts: { key: text | "audio:<path>#sha256=<hex>" } }`);
 * older or hand-made notices are plain text and are shown as one layer.
 */
export interface NoticeLayer {
  key: string;
  /** Purpose the layer asks about, for purpose questions. */
  purpose: string | null;
  /** The words as heard; for a recorded prompt, the text it was recorded from (see `fromLocale`). */
  text: string | null;
  /** A recorded prompt the caller heard instead of text-to-speech. */
  audio: { url: string; sha256: string } | null;
  /** True when the text beside a recording comes from today's locale files, not from the notice. */
  fromLocale: boolean;
}

export interface ParsedNotice {
  locale: string;
  layers: NoticeLayer[];
}

/** The order a caller meets the layers in: disclosure, question, information, purpose questions. */
function rank(key: string): number {
  if (key === 'disclosure') return 0;
  if (key === 'main') return 1;
  if (key === 'age') return 2;
  if (key.startsWith('info')) return 3;
  if (key.startsWith('purposes.') || key === 'purposeFallback') return 4;
  return 5;
}

export function parseNotice(
  content: string,
  locale: string,
  textOf: (lng: string, key: string, purpose: string | null) => string | null,
): ParsedNotice {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    parsed = null;
  }
  const texts =
    parsed &&
    typeof parsed === 'object' &&
    'texts' in parsed &&
    parsed.texts &&
    typeof parsed.texts === 'object'
      ? (parsed.texts as Record<string, unknown>)
      : null;
  if (!texts)
    return {
      locale,
      layers: [{ key: 'notice', purpose: null, text: content, audio: null, fromLocale: false }],
    };
  const lng = parsed && typeof parsed === 'object' && 'locale' in parsed ? String(parsed.locale) : locale;
  const layers = Object.entries(texts)
    .filter((kv): kv is [string, string] => typeof kv[1] === 'string')
    .map(([key, value]): NoticeLayer => {
      const purpose = key.startsWith('purposes.') ? key.slice('purposes.'.length) : null;
      const audio = /^audio:([^#]+)#sha256=([0-9a-f]+)$/.exec(value);
      if (!audio) return { key, purpose, text: value, audio: null, fromLocale: false };
      return {
        key,
        purpose,
        text: textOf(lng, key, purpose),
        audio: { url: audio[1] ?? '', sha256: audio[2] ?? '' },
        fromLocale: true,
      };
    })
    .sort((a, b) => rank(a.key) - rank(b.key));
  return { locale: lng, layers };
}

/** Today's texts of the locale files, for recorded prompts and for translations into the portal's language. */
export class NoticeTexts {
  private readonly speaker: Speaker;

  constructor(
    private readonly catalog: Catalog,
    private readonly config: Config,
  ) {
    this.speaker = new Speaker(catalog, renderSettings(config));
  }

  /** The sentence of `key` in `lng` as a caller of `country` would hear it today; null if not shipped. */
  text(lng: string, key: string, purpose: string | null, country: string | null): string | null {
    if (!this.catalog.has(lng) || this.catalog.template(lng, key) === undefined) return null;
    const age = ageOfConsent(country, this.config.operator);
    const vars = {
      ...this.speaker.vars(lng, age),
      ...(purpose ? { purpose: this.purposeName(lng, purpose) } : {}),
    };
    return this.speaker.sentence(lng, key, vars).text;
  }

  /** The locales callers can be served in. */
  get locales(): string[] {
    return [...this.catalog.locales];
  }

  purposeName(lng: string, id: string): string {
    return this.catalog.has(lng) ? this.speaker.purposeName(lng, id) : id;
  }
}

type LabelKey =
  | 'disclosure'
  | 'main'
  | 'age'
  | 'info'
  | 'infoInterests'
  | 'purposeFallback'
  | 'purpose'
  | 'notice'
  | 'recorded'
  | 'translation'
  | 'fromLocale'
  | 'hash'
  | 'audioHash'
  | 'heardIn';

const LABELS: Record<Lang, Record<LabelKey, string>> = {
  en: {
    disclosure: 'Disclosure (AI and recording)',
    main: 'Question',
    age: 'Age of consent',
    info: 'Information layer',
    infoInterests: 'Information layer: legitimate interests',
    purposeFallback: 'Purpose question',
    purpose: 'Purpose question',
    notice: 'Notice',
    recorded: 'Recorded prompt',
    translation: 'Translation into English (today’s text of this layer)',
    fromLocale: 'Text of the recording, from today’s locale files',
    hash: 'Notice version (SHA-256 of its content)',
    audioHash: 'SHA-256 of the recorded prompt',
    heardIn: 'Heard in',
  },
  de: {
    disclosure: 'Hinweis (KI und Aufnahme)',
    main: 'Frage',
    age: 'Einwilligungsalter',
    info: 'Informationsebene',
    infoInterests: 'Informationsebene: berechtigte Interessen',
    purposeFallback: 'Frage zum Zweck',
    purpose: 'Frage zum Zweck',
    notice: 'Hinweis',
    recorded: 'Aufgenommene Ansage',
    translation: 'Übersetzung ins Deutsche (heutiger Text dieser Ebene)',
    fromLocale: 'Text der Aufnahme, aus den heutigen Sprachdateien',
    hash: 'Version des Hinweises (SHA-256 des Inhalts)',
    audioHash: 'SHA-256 der aufgenommenen Ansage',
    heardIn: 'Gehört auf',
  },
};

export function noticeLabel(lang: Lang, layer: NoticeLayer, purposeName: (id: string) => string): string {
  const l = LABELS[lang];
  if (layer.purpose) return `${l.purpose}: ${purposeName(layer.purpose)}`;
  return (l as Record<string, string | undefined>)[layer.key] ?? layer.key;
}

/**
 * The notice as the caller heard it: each layer's text in the caller's language (marked with
 * `lang` for screen readers), the recorded prompt playable beside its text, an optional
 * translation into the portal's language, and the content hash in a detail line.
 */
export function noticeHtml(
  n: ParsedNotice,
  noticeId: string,
  lang: Lang,
  opts: {
    purposeName: (id: string) => string;
    translate: (layer: NoticeLayer) => string | null;
    idPrefix?: string;
  },
): string {
  const l = LABELS[lang];
  const items = n.layers
    .map((layer, i) => {
      const label = noticeLabel(lang, layer, opts.purposeName);
      const translation = n.locale.split('-')[0] === lang ? null : opts.translate(layer);
      const audio = layer.audio
        ? `<p><audio controls preload="none" src="${e(layer.audio.url)}" aria-label="${e(`${l.recorded}: ${label}`)}"></audio><br><small>${e(l.audioHash)}: <code>${e(layer.audio.sha256)}</code></small></p>`
        : '';
      const text = layer.text
        ? `<p lang="${e(n.locale)}" class="heard">${e(layer.text)}</p>${layer.fromLocale ? `<p><small>${e(l.fromLocale)}</small></p>` : ''}`
        : '';
      const tr = translation
        ? `<details><summary>${e(l.translation)}</summary><p lang="${lang}">${e(translation)}</p></details>`
        : '';
      return `<li><h3 id="${e(opts.idPrefix ?? 'layer')}-${i + 1}">${e(label)}</h3>${text}${audio}${tr}</li>`;
    })
    .join('');
  return `<p>${e(l.heardIn)}: <strong>${e(n.locale)}</strong></p><ol class="notice">${items}</ol>
<p class="detail"><small>${e(l.hash)}: <code>${e(noticeId)}</code></small></p>`;
}
