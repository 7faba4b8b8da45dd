import { REQUIRED_KEYS } from './catalog';

/**
 * Which locale keys the service actually says, and which placeholders each is given. Mirrors
 * src/twiml/render.ts and speaker.ts: a placeholder a key is not given is read out literally
 * ("{{caller}}"), and a key nothing says changes nothing when an operator edits it.
 */

/** The operator's values every spoken text gets (Speaker.vars; callers pass its live key list). */
export const BASE_VARS = [
  'company',
  'assistant',
  'controller',
  'dpo',
  'recipients',
  'authority',
  'retentionDays',
  'key',
  'smsKey',
  'age',
  'purposeList',
] as const;

/** Placeholders whose value differs from call to call: such a text cannot be pre-recorded. */
export const PER_CALL_VARS = new Set(['age', 'purpose', 'purposes', 'ref', 'url']);

/** Read by the service but never said as a text of their own. */
export const USED_UNSPOKEN = [
  'language.name',
  'language.speech',
  'language.voice',
  'language.rate',
  'smsBody',
  // Each a part of a sentence (retentionList, and the operator's texts where the file sets none).
  'retentionItem',
  'operatorDefaults.controller',
  'operatorDefaults.recipients',
  'operatorDefaults.supervisoryAuthority',
  'operatorDefaults.dataCategories',
  'operatorDefaults.thirdCountryTransfer',
];

/** Placeholders a key is given when it is said (or, for smsBody, sent). */
export function allowedVars(key: string, baseVars: readonly string[] = BASE_VARS): readonly string[] {
  if (key === 'language.choose') return ['digit'];
  if (key === 'whisper.granted') return ['purposes', 'ref'];
  if (key.startsWith('whisper.')) return [];
  if (key === 'smsBody') return ['company', 'url'];
  if (key === 'retentionItem') return ['purpose', 'days'];
  if (key.startsWith('operatorDefaults.')) return [];
  if (key.startsWith('purposes.') || key === 'purposeFallback') return [...baseVars, 'purpose'];
  return baseVars;
}

/**
 * The keys said in a locale: the first purpose is asked by `main`, so `purposes.<first>` is never
 * said; each further purpose by `purposes.<id>` when the locale has it, else by `purposeFallback`.
 */
export function spokenKeys(purposeIds: readonly string[], has: (key: string) => boolean): string[] {
  // Every required text but the unspoken few is said somewhere: keys added there count here.
  const required = REQUIRED_KEYS.filter((k) => !USED_UNSPOKEN.includes(k));
  const keys: string[] = [...required];
  for (const id of purposeIds.slice(1)) {
    const own = `purposes.${id}`;
    const key = has(own) ? own : 'purposeFallback';
    if (!keys.includes(key)) keys.push(key);
  }
  return keys;
}

/** Names used in `{{name}}` / `{{name, format}}` placeholders of a text. */
export function placeholdersOf(text: string): string[] {
  return [...text.matchAll(/\{\{\s*([^}\s,]+)\s*(?:,[^}]*)?\}\}/g)].map((m) => m[1] ?? '');
}
