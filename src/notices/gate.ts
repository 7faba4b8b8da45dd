/**
 * The compliance gate for A/B wording variants. A variant may change wording only: every
 * mandatory information element the live text expresses must stay expressed; declining may not
 * get harder than consenting compared with the live text (more words in the decline sentence
 * relative to the consent sentence, or the decline option moved further behind the consent
 * option); and nothing may pre-select consent. Pure: templates in, findings out.
 *
 * Elements are declared per locale in `locales/<lng>/elements.json`:
 * `{ "elements": { "<id>": ["phrase", ...] }, "consent": [...], "decline": [...], "preselect": [...] }`.
 * A phrase is words (case and punctuation ignored); `word*` matches a word's start, `...` up to
 * four words in between, and a placeholder as written (`{{assistant}}`) matches itself.
 */

export const REQUIRED_ELEMENTS = [
  'ai_disclosure',
  'recorded',
  'purpose',
  'key_yes',
  'key_no',
  'key_info',
  'key_withdraw',
  'key_human',
  'no_disadvantage',
] as const;
export type ElementId = (typeof REQUIRED_ELEMENTS)[number];

export interface ElementDeclaration {
  elements: Record<string, string[]>;
  /** How the consent option is said (e.g. "ja oder drücken sie die 1"). */
  consent: string[];
  /** How the decline option is said. */
  decline: string[];
  /** Wordings that take silence or inaction as consent. */
  preselect: string[];
}

export interface GateFinding {
  /** The text (or the layer) it is about: `main`, `purposes.ai_training`, `layer1`. */
  key: string;
  rule: 'element' | 'decline_longer' | 'decline_later' | 'preselect' | 'option_missing';
  message: string;
}

const GAP = 4;

/** Words of a template: lower case, letters and digits, placeholders kept whole. */
export function wordsOf(text: string): string[] {
  return (text.toLowerCase().match(/\{\{\s*[\w.]+\s*(?:,[^}]*)?\}\}|[\p{L}\p{N}]+/gu) ?? []).map((w) =>
    w.startsWith('{{') ? `{{${(/[\w.]+/.exec(w.slice(2)) ?? [''])[0]}}}` : w,
  );
}

const tokenMatches = (pattern: string, word: string): boolean =>
  pattern.endsWith('*') ? word.startsWith(pattern.slice(0, -1)) : pattern === word;

/** Phrase → pattern tokens (`...` kept as a gap marker). */
function patternOf(phrase: string): string[] {
  return phrase
    .toLowerCase()
    .split(/\s+/)
    .flatMap((part) =>
      part === '...'
        ? ['...']
        : wordsOf(part).map((w, i, all) => (i === all.length - 1 && part.endsWith('*') ? `${w}*` : w)),
    )
    .filter(Boolean);
}

/** Where a phrase occurs first: [start, end) word offsets, or null. */
export function findPhrase(words: readonly string[], phrase: string): [number, number] | null {
  const p = patternOf(phrase);
  if (p.length === 0) return null;
  const at = (wi: number, pi: number): number | null => {
    if (pi === p.length) return wi;
    const token = p[pi] ?? '';
    if (token === '...') {
      for (let skip = 0; skip <= GAP; skip += 1) {
        const end = at(wi + skip, pi + 1);
        if (end !== null) return end;
      }
      return null;
    }
    const word = words[wi];
    return word !== undefined && tokenMatches(token, word) ? at(wi + 1, pi + 1) : null;
  };
  for (let start = 0; start < words.length; start += 1) {
    const end = at(start, 0);
    if (end !== null) return [start, end];
  }
  return null;
}

const firstOf = (words: readonly string[], phrases: readonly string[]): [number, number] | null =>
  phrases
    .map((ph) => findPhrase(words, ph))
    .filter((m): m is [number, number] => m !== null)
    .sort((a, b) => a[0] - b[0])[0] ?? null;

/** The elements a text expresses. */
export function elementsIn(text: string, d: ElementDeclaration): Set<string> {
  const words = wordsOf(text);
  return new Set(
    Object.entries(d.elements)
      .filter(([, phrases]) => phrases.some((ph) => findPhrase(words, ph) !== null))
      .map(([id]) => id),
  );
}

/** Sentences of a template, as word lists. */
const sentencesOf = (text: string): string[][] =>
  text
    .split(/(?<=[.!?;])\s+/)
    .map(wordsOf)
    .filter((s) => s.length > 0);

interface Choice {
  /** Words of the sentence holding the decline option minus those of the consent option's. */
  extraWords: number;
  /** Sentences from the consent option to the decline option (negative: decline first). */
  distance: number;
}

/** How the choice is laid out in a text, or null when it offers no consent and decline option. */
export function choiceOf(text: string, d: ElementDeclaration): Choice | null {
  const sentences = sentencesOf(text);
  const locate = (phrases: string[]): number => sentences.findIndex((s) => firstOf(s, phrases) !== null);
  const yes = locate(d.consent);
  const no = locate(d.decline);
  if (yes < 0 || no < 0) return null;
  return {
    extraWords: (sentences[no]?.length ?? 0) - (sentences[yes]?.length ?? 0),
    distance: no - yes,
  };
}

/**
 * The findings for one variant text against the live text of the same key. `layer1` names the
 * texts said before the first answer, checked together for the required elements.
 */
export function checkVariantText(
  key: string,
  live: string,
  variant: string,
  d: ElementDeclaration,
): GateFinding[] {
  const findings: GateFinding[] = [];
  const kept = elementsIn(variant, d);
  for (const id of elementsIn(live, d))
    if (!kept.has(id))
      findings.push({
        key,
        rule: 'element',
        message: `drops the mandatory element "${id}" that the live text has`,
      });
  for (const phrase of d.preselect)
    if (findPhrase(wordsOf(variant), phrase))
      findings.push({ key, rule: 'preselect', message: `pre-selects consent ("${phrase}")` });
  const before = choiceOf(live, d);
  if (before) {
    const after = choiceOf(variant, d);
    if (!after)
      findings.push({
        key,
        rule: 'option_missing',
        message: 'no longer offers both the consent and the decline option',
      });
    else {
      if (after.extraWords > Math.max(0, before.extraWords))
        findings.push({
          key,
          rule: 'decline_longer',
          message: `makes declining wordier than consenting (${after.extraWords} more words in the decline sentence; live: ${before.extraWords})`,
        });
      if (after.distance > Math.max(1, before.distance))
        findings.push({
          key,
          rule: 'decline_later',
          message: `moves the decline option further behind the consent option (${after.distance} sentences; live: ${before.distance})`,
        });
    }
  }
  return findings;
}

/** The live layer 1 itself must say every required element, or the declaration does not fit it. */
export function missingRequired(layer1: string, d: ElementDeclaration): string[] {
  const have = elementsIn(layer1, d);
  const declared = REQUIRED_ELEMENTS.filter((id) => !d.elements[id]?.length);
  return [
    ...declared.map((id) => `element "${id}" is not declared`),
    ...REQUIRED_ELEMENTS.filter((id) => d.elements[id]?.length && !have.has(id)).map(
      (id) => `the live texts do not express "${id}" in any declared phrase`,
    ),
  ];
}
