import fs from 'node:fs';
import path from 'node:path';
import { JsonPositionError, readJsonFile } from '../i18n/locale-json';
import { checkVariantText, missingRequired, type ElementDeclaration, type GateFinding } from './gate';

/**
 * A/B wording variants: `locales/<lng>/variants/<name>/prompts.json` overrides layer-1 texts (the
 * disclosure and the questions) of that locale; everything else is the locale's own. The mandatory
 * information elements each is checked against live in `locales/<lng>/elements.json`.
 */

export type Texts = Record<string, unknown>;
/** lng → variant name → overriding texts. */
export type VariantTexts = Record<string, Record<string, Texts>>;

export const VARIANT_NAME = /^[a-z][a-z0-9_-]{0,30}$/;
/** The texts a variant may word differently: what is said before and as the questions. */
export const VARIABLE_KEY = /^(disclosure|main|purposeFallback|purposes\.[a-z][a-z0-9_]*)$/;
const LAYER1 = ['disclosure', 'main'];

function leaves(obj: Texts, prefix = ''): Array<[string, unknown]> {
  return Object.entries(obj).flatMap(([k, v]): Array<[string, unknown]> =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? leaves(v as Texts, `${prefix}${k}.`)
      : [[`${prefix}${k}`, v]],
  );
}

export function textAt(obj: Texts, dotted: string): string | undefined {
  const value = dotted
    .split('.')
    .reduce<unknown>((acc, part) => (acc && typeof acc === 'object' ? (acc as Texts)[part] : undefined), obj);
  return typeof value === 'string' ? value : undefined;
}

/** The locale's texts with a variant's overrides applied (a copy). */
export function mergeVariant(base: Texts, overrides: Texts): Texts {
  const out = structuredClone(base);
  for (const [key, value] of leaves(overrides)) {
    const parts = key.split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) {
      if (!node[part] || typeof node[part] !== 'object') node[part] = {};
      node = node[part] as Texts;
    }
    node[parts[parts.length - 1] ?? ''] = value;
  }
  return out;
}

export interface VariantsRead {
  variants: VariantTexts;
  elements: Record<string, ElementDeclaration>;
  problems: string[];
}

const positioned = (error: unknown, label: string): string =>
  error instanceof JsonPositionError ? error.message : `${label}: ${(error as Error).message}`;

function parseElements(value: unknown, label: string, problems: string[]): ElementDeclaration | null {
  const v = value as Partial<ElementDeclaration> | null;
  const list = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');
  if (!v || typeof v !== 'object' || !v.elements || typeof v.elements !== 'object') {
    problems.push(`${label}: needs "elements": { "<id>": ["phrase", ...] }`);
    return null;
  }
  for (const [id, phrases] of Object.entries(v.elements))
    if (!list(phrases)) problems.push(`${label}: element "${id}" must be a list of phrases`);
  for (const field of ['consent', 'decline', 'preselect'] as const)
    if (!list(v[field] ?? [])) problems.push(`${label}: "${field}" must be a list of phrases`);
  return {
    elements: v.elements,
    consent: v.consent ?? [],
    decline: v.decline ?? [],
    preselect: v.preselect ?? [],
  };
}

/** Reads every locale's variants and element declaration; syntax errors name file:line:column. */
export function readVariants(localesDir: string, locales: readonly string[]): VariantsRead {
  const out: VariantsRead = { variants: {}, elements: {}, problems: [] };
  for (const lng of locales) {
    const elementsFile = path.join(localesDir, lng, 'elements.json');
    if (fs.existsSync(elementsFile)) {
      const label = `${lng}/elements.json`;
      try {
        const d = parseElements(readJsonFile(elementsFile, label).value, label, out.problems);
        if (d) out.elements[lng] = d;
      } catch (error) {
        out.problems.push(positioned(error, label));
      }
    }
    const dir = path.join(localesDir, lng, 'variants');
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir).sort()) {
      const file = path.join(dir, name, 'prompts.json');
      if (!fs.existsSync(file)) continue;
      const label = `${lng}/variants/${name}/prompts.json`;
      if (!VARIANT_NAME.test(name) || name === 'base') {
        out.problems.push(`${label}: a variant name is a lower-case word other than "base"`);
        continue;
      }
      try {
        const texts = readJsonFile(file, label).value as Texts;
        for (const [key, value] of leaves(texts)) {
          if (!VARIABLE_KEY.test(key))
            out.problems.push(
              `${label}: "${key}" cannot be varied (only disclosure, main and purpose questions)`,
            );
          else if (typeof value !== 'string' || value.trim() === '')
            out.problems.push(`${label}: "${key}" must be a text`);
        }
        if (!out.elements[lng])
          out.problems.push(
            `${label}: ${lng}/elements.json is needed to check a variant's mandatory elements`,
          );
        (out.variants[lng] ??= {})[name] = texts;
      } catch (error) {
        out.problems.push(positioned(error, label));
      }
    }
  }
  return out;
}

/**
 * The compliance gate over every variant of every locale: what each drops, tilts or pre-selects
 * against the live texts, named `lng/variants/name: key: ...`. The live layer 1 must express
 * every required element itself, or the declaration cannot vouch for anything.
 */
export function gateFindings(
  prompts: Record<string, Texts>,
  variants: VariantTexts,
  elements: Record<string, ElementDeclaration>,
): string[] {
  const out: string[] = [];
  for (const [lng, d] of Object.entries(elements)) {
    const base = prompts[lng];
    if (!base) continue;
    const layer1 = LAYER1.map((k) => textAt(base, k) ?? '').join(' ');
    for (const m of missingRequired(layer1, d)) out.push(`${lng}/elements.json: ${m}`);
  }
  for (const [lng, byName] of Object.entries(variants)) {
    const base = prompts[lng];
    const d = elements[lng];
    if (!base || !d) continue;
    for (const [name, overrides] of Object.entries(byName)) {
      const merged = mergeVariant(base, overrides);
      const found: GateFinding[] = [];
      const layer = (t: Texts): string => LAYER1.map((k) => textAt(t, k) ?? '').join(' ');
      if (LAYER1.some((k) => textAt(overrides, k) !== undefined))
        found.push(...checkVariantText('layer 1 (disclosure and main)', layer(base), layer(merged), d));
      for (const [key] of leaves(overrides).filter(([k]) => !LAYER1.includes(k))) {
        const live = textAt(base, key) ?? textAt(base, 'purposeFallback') ?? '';
        found.push(...checkVariantText(key, live, textAt(merged, key) ?? '', d));
      }
      for (const f of found) out.push(`${lng}/variants/${name}: ${f.key}: ${f.message}`);
    }
  }
  return out;
}

/** Everything `consent locales check` reports about variants: file problems, then the gate's. */
export function variantProblems(
  localesDir: string,
  locales: readonly string[],
  prompts: Record<string, Texts>,
): string[] {
  const read = readVariants(localesDir, locales);
  return [...read.problems, ...gateFindings(prompts, read.variants, read.elements)];
}
