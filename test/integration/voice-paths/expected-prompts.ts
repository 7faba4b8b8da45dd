/**
 * Expected texts, rendered from the locale's catalog as the gateway renders them with the operator
 * settings, and counted in what a caller (or agent) heard: the exact sentence, in that language.
 */
import { said } from '../../support/gateway';
import type { Heard } from '../../support/twilio-emulator';
import { CALLER_AGE, type Json, MIN_RETENTION, OPERATOR, PROMPTS } from './locales-and-operator';

export const lookup = (lng: string, key: string): unknown =>
  key
    .split('.')
    .reduce<unknown>(
      (acc, part) => (acc && typeof acc === 'object' ? (acc as Json)[part] : undefined),
      PROMPTS[lng],
    );

export const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();
export const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export type Vars = Record<string, string | number>;

/** The variables every caller-facing prompt may use, as the renderer fills them in. */
export function callerVars(lng: string): Vars {
  return {
    company: OPERATOR.company,
    assistant: OPERATOR.assistantName,
    controller: OPERATOR.controller[lng] as string,
    dpo: OPERATOR.dpoContact,
    recipients: OPERATOR.recipients[lng] as string,
    authority: OPERATOR.supervisoryAuthority[lng] as string,
    categories: OPERATOR.dataCategories[lng] as string,
    transfer: OPERATOR.thirdCountryTransfer[lng] as string,
    interests: OPERATOR.legitimateInterests[lng] as string,
    retentionDays: MIN_RETENTION,
    retentionList: OPERATOR.purposes
      .map((p) =>
        squash(String(lookup(lng, 'retentionItem')))
          .replace('{{purpose}}', purposeName(lng, p.id))
          .replace('{{days}}', String(p.retentionDays)),
      )
      .join(', '),
    key: OPERATOR.languageKey,
    age: CALLER_AGE,
    purposeList: OPERATOR.purposes.map((p) => purposeName(lng, p.id)).join(', '),
  };
}

export function purposeName(lng: string, id: string): string {
  const name = lookup(lng, `purposeNames.${id}`);
  return typeof name === 'string' ? name : id;
}

/**
 * The whole sentence of `key` in `lng` as a regex: literal text escaped, each {{variable}} replaced
 * by its value. A variable the test does not know fails loudly: the caller would hear it unfilled.
 */
export function prompt(lng: string, key: string, extra: Vars = {}): RegExp {
  const template = lookup(lng, key);
  if (typeof template !== 'string') throw new Error(`${lng}/prompts.json has no text for "${key}"`);
  const vars = { ...callerVars(lng), ...extra };
  const source = squash(template)
    .split(/\{\{\s*([\w.]+)\s*\}\}/)
    .map((part, i) => {
      if (i % 2 === 0) return escapeRegex(part);
      const value = vars[part];
      if (value === undefined) throw new Error(`${lng}/${key} uses {{${part}}}, which the test cannot fill`);
      return escapeRegex(squash(String(value)));
    })
    .join('');
  return new RegExp(`^${source}$`);
}

export const speechOf = (lng: string): string => {
  const speech = lookup(lng, 'language.speech');
  if (typeof speech !== 'string') throw new Error(`${lng} has no language.speech`);
  return speech;
};

/** How often the caller (or agent) heard `key` of `lng`: the exact text, spoken in that language. */
export const times = (heard: Heard[], lng: string, key: string, extra: Vars = {}): number => {
  const re = prompt(lng, key, extra);
  return heard.filter((h) => h.verb === 'Say' && h.language === speechOf(lng) && re.test(h.text ?? ''))
    .length;
};

export const said1 = (heard: Heard[], lng: string, key: string, extra: Vars = {}): void => {
  const n = times(heard, lng, key, extra);
  if (n !== 1) {
    throw new Error(
      `expected "${key}" in ${lng} (${speechOf(lng)}) exactly once, heard it ${n} times in:\n${said(heard)}`,
    );
  }
};

/** Index of the first Say of `key` in `lng`, to check the order things were heard in. */
export const indexOf = (heard: Heard[], lng: string, key: string, extra: Vars = {}): number => {
  const re = prompt(lng, key, extra);
  return heard.findIndex((h) => h.verb === 'Say' && h.language === speechOf(lng) && re.test(h.text ?? ''));
};
