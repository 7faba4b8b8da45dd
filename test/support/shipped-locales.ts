import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readLocales } from '../../src/i18n/catalog';

export const LOCALES_DIR = path.join(__dirname, '../../locales');
const shipped = readLocales(LOCALES_DIR);
/**
 * The locales a caller can pick, in the language menu's order: each language and simple-language
 * variant that ships under locales/ (a new folder is picked up without touching tests).
 */
export const LOCALES = shipped.menu;
/** Country variants (de-AT): only the texts that differ, chosen by the caller's country. */
export const COUNTRY_VARIANTS = shipped.locales.filter((l) => !LOCALES.includes(l));

type Json = Record<string, unknown>;
const prompts = new Map<string, Json>();

/** A raw text of a locale's prompts.json, by dotted key. */
export function promptOf(lng: string, key: string): string {
  let file = prompts.get(lng);
  if (!file) {
    file = JSON.parse(fs.readFileSync(path.join(LOCALES_DIR, lng, 'prompts.json'), 'utf8')) as Json;
    prompts.set(lng, file);
  }
  const value = key
    .split('.')
    .reduce<unknown>((acc, part) => (acc && typeof acc === 'object' ? (acc as Json)[part] : undefined), file);
  if (typeof value !== 'string') throw new Error(`${lng}/prompts.json has no text for "${key}"`);
  return value;
}

export const speechOf = (lng: string): string => promptOf(lng, 'language.speech');

/** The fixed text before a prompt's first {{variable}}: enough to tell which sentence was said. */
export const openingOf = (lng: string, key: string): string =>
  (promptOf(lng, key).split('{{')[0] ?? '').trim();

/** One called number per shipped locale, and an operator file that maps them, written to a temp dir. */
export function localeNumbers(): {
  numberOf: (lng: string) => string;
  numbers: Record<string, { locale: string }>;
} {
  const numberOf = (lng: string): string => `+4940777${String(LOCALES.indexOf(lng) + 1).padStart(4, '0')}`;
  return { numberOf, numbers: Object.fromEntries(LOCALES.map((l) => [numberOf(l), { locale: l }])) };
}

export function writeOperatorFile(operator: Record<string, unknown>): { file: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'operator-'));
  const file = path.join(dir, 'gateway.config.json');
  fs.writeFileSync(file, JSON.stringify(operator));
  return { file, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
