/**
 * A locale folder is a language (`de`), that language in simple language (`de-simple`: short
 * sentences, no legal terms, slower speech; offered in the language menu), or a country variant
 * (`de-AT`: only the texts that differ for callers from that country, e.g. the supervisory
 * authority; chosen from the caller's country, never offered in the menu). A variant always
 * belongs to its language's folder and takes what it does not give from it, so no sentence can
 * mix two languages. Nothing here names a language: a new variant is a new folder.
 */

export type LocaleKind = 'language' | 'simple' | 'country';

export interface LocaleName {
  name: string;
  kind: LocaleKind;
  /** The language folder a variant belongs to (itself for a language). */
  base: string;
  /** ISO 3166 alpha-2 of a country variant. */
  country?: string;
}

export const SIMPLE_TAG = 'simple';

/** What a folder name says; null for a name that is none of the three. */
export function parseLocaleName(name: string): LocaleName | null {
  if (/^[a-z]{2,3}$/.test(name)) return { name, kind: 'language', base: name };
  const simple = new RegExp(`^([a-z]{2,3})-${SIMPLE_TAG}$`).exec(name);
  if (simple?.[1]) return { name, kind: 'simple', base: simple[1] };
  const country = /^([a-z]{2,3})-([A-Z]{2})$/.exec(name);
  if (country?.[1] && country[2]) return { name, kind: 'country', base: country[1], country: country[2] };
  return null;
}

/** The language of a locale: `de` for de, de-simple and de-AT. */
export const languageOf = (lng: string): string => lng.split('-')[0] ?? lng;

/**
 * The language menu: the languages first, in folder order (so their keys never move when a
 * variant is added), then the simple-language variants. Country variants are not in it.
 */
export function menuOrder(names: readonly LocaleName[]): string[] {
  const sorted = [...names].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return [
    ...sorted.filter((n) => n.kind === 'language').map((n) => n.name),
    ...sorted.filter((n) => n.kind === 'simple').map((n) => n.name),
  ];
}

/** The locale whose texts a caller hears: the country variant of `lng` for their country, if one ships. */
export function textLocaleOf(
  lng: string,
  country: string | null | undefined,
  has: (l: string) => boolean,
): string {
  if (!country || lng.includes('-')) return lng;
  const variant = `${lng}-${country}`;
  return has(variant) ? variant : lng;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A country variant's texts over its language's: key by key (nested objects merged, so
 * `operatorDefaults.supervisoryAuthority` alone can be given). Each text is whole from one file,
 * and both files are the same language. Returns the merged texts and the keys the variant gives
 * that its language does not have (a typo, or a text nothing would say).
 */
export function overlay(base: Json, variant: Json): { merged: Json; unknown: string[] } {
  const unknown: string[] = [];
  const walk = (b: Json, v: Json, prefix: string): Json => {
    const out: Json = { ...b };
    for (const [key, value] of Object.entries(v)) {
      const dotted = prefix ? `${prefix}.${key}` : key;
      const under = b[key];
      if (under === undefined) unknown.push(dotted);
      out[key] = isObject(under) && isObject(value) ? walk(under, value, dotted) : value;
    }
    return out;
  };
  return { merged: walk(base, variant, ''), unknown };
}
