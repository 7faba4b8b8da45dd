import fs from 'node:fs';
import path from 'node:path';
import i18next, { type i18n } from 'i18next';

export type Vars = Record<string, string | number>;

/**
 * The caller-facing texts of the privacy pages and the consent receipt, from
 * `locales/<lng>/privacy.json`. A new language is a new file: nothing here names a language. A
 * locale without the file, or without a key, falls back to the default locale and then English.
 */
export class PrivacyTexts {
  private constructor(
    readonly locales: string[],
    private readonly names: Map<string, string>,
    private readonly i18n: i18n,
  ) {}

  static load(localesDir: string, defaultLocale: string): PrivacyTexts {
    const resources: Record<string, { translation: Record<string, unknown> }> = {};
    const names = new Map<string, string>();
    const folders = fs.existsSync(localesDir)
      ? fs
          .readdirSync(localesDir)
          .filter((n) => fs.statSync(path.join(localesDir, n)).isDirectory())
          .sort()
      : [];
    for (const lng of folders) {
      const file = path.join(localesDir, lng, 'privacy.json');
      if (!fs.existsSync(file)) continue;
      resources[lng] = { translation: JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown> };
      names.set(lng, languageName(localesDir, lng));
    }
    const instance = i18next.createInstance();
    void instance.init({
      resources,
      lng: defaultLocale,
      fallbackLng: [...new Set([defaultLocale, 'en'])],
      initAsync: false,
      interpolation: { escapeValue: false },
      returnNull: false,
    });
    return new PrivacyTexts(Object.keys(resources).sort(), names, instance);
  }

  has(lng: string): boolean {
    return this.locales.includes(lng);
  }

  name(lng: string): string {
    return this.names.get(lng) ?? lng;
  }

  t(lng: string, key: string, vars: Vars = {}): string {
    return this.i18n.t(key, { lng, ...vars }) as string;
  }

  /** The purpose's name for people, or its id when the locale names none. */
  purpose(lng: string, id: string): string {
    const key = `purposeNames.${id}`;
    return this.i18n.exists(key, { lng }) ? this.t(lng, key) : id;
  }

  /**
   * A locale of the phone menu as a page language: the same folder in any letter case, else its
   * language (a caller of the Austrian variant `de-AT`, which has no page texts of its own, reads
   * German, not whatever the browser prefers).
   */
  resolve(tag: string): string | undefined {
    const wanted = tag.trim().toLowerCase();
    const exact = this.locales.find((l) => l.toLowerCase() === wanted);
    if (exact) return exact;
    const base = wanted.split('-')[0] ?? '';
    return this.locales.find((l) => l.toLowerCase() === base);
  }

  /**
   * The page's language: `?lng=`, else the best of Accept-Language (in the order and weight the
   * browser gives), else the default locale.
   */
  pick(query: unknown, acceptLanguage: string | undefined, fallback: string): string {
    const asked = typeof query === 'string' ? this.resolve(query) : undefined;
    if (asked) return asked;
    const wanted = (acceptLanguage ?? '')
      .split(',')
      .map((part, i) => {
        const [tag = '', ...params] = part.trim().split(';');
        const q = params.map((p) => /^q=([\d.]+)$/.exec(p.trim())?.[1]).find(Boolean);
        return { lng: tag.toLowerCase().split('-')[0] ?? '', q: q ? Number(q) : 1, i };
      })
      .filter((w) => w.lng && w.q > 0)
      .sort((a, b) => b.q - a.q || a.i - b.i);
    const best = wanted.find((w) => this.has(w.lng))?.lng;
    if (best) return best;
    return this.has(fallback) ? fallback : (this.locales[0] ?? fallback);
  }
}

function languageName(localesDir: string, lng: string): string {
  try {
    const prompts = JSON.parse(fs.readFileSync(path.join(localesDir, lng, 'prompts.json'), 'utf8')) as {
      language?: { name?: unknown };
    };
    return typeof prompts.language?.name === 'string' ? prompts.language.name : lng;
  } catch {
    return lng;
  }
}
