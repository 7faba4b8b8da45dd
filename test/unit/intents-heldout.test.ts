/**
 * Scores the intent classifier on a held-out corpus (test/unit/corpus/heldout/*.json): recogniser
 * output written independently of the classifier and its lexicons, before the issue 16 changes.
 *
 * It measures whether the classifier generalises, so it must never be tuned on. That is why a failure
 * prints only aggregate numbers and counts per (kind, expected→predicted), never an utterance or the
 * classifier's reason (which quotes the deciding words): nobody can fit the lexicon to these sentences.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { classify, parseLexicon, type Lexicon } from '../../src/flow/intents';

const LANGUAGES = ['de', 'en', 'tr', 'fr'] as const;
const LABELS = ['yes', 'no', 'info', 'withdraw', 'agent', 'minor', 'unclear'] as const;
const MIN_UTTERANCES = 90;
// Issue 16 aims at 97 %. Tuned only on the dev corpus, the classifier measured de 97.6, fr 97.6, en 97.7
// and tr 95.8 % here with 0 false grants: each floor is what that language honestly reached, so a
// regression fails; a false grant fails at once.
const MIN_ACCURACY: Readonly<Record<(typeof LANGUAGES)[number], number>> = {
  de: 0.97,
  en: 0.97,
  tr: 0.955,
  fr: 0.97,
};
const options = { minConfidence: 0.5 };

// Hand-written data: a typo in a label or a missing field must fail as the mistake it is, not count
// as a miss. Confidence stays at or above 0.8 so the corpus measures wording, not the threshold.
const entrySchema = z
  .object({
    text: z.string().min(1),
    confidence: z.number().min(0.8).max(1),
    intent: z.enum(LABELS),
    kind: z.string().regex(/^[a-z]+(-[a-z]+)*$/),
  })
  .strict();
const corpusSchema = z.array(entrySchema);
type Entry = z.infer<typeof entrySchema>;

const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, 'utf8'));
const lexicon = (lng: string): Lexicon =>
  parseLexicon(readJson(path.join(__dirname, '../../locales', lng, 'lexicon.json')));

const loadCorpus = (lng: string): Entry[] | string => {
  const parsed = corpusSchema.safeParse(readJson(path.join(__dirname, 'corpus', 'heldout', `${lng}.json`)));
  // Only paths and zod's messages: they name fields and labels, never the utterance text.
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  return parsed.data;
};

interface Score {
  total: number;
  right: number;
  falseGrants: number;
  /** "kind: expected→predicted" → count, misses only. */
  misses: Record<string, number>;
}

const score = (entries: Entry[], lex: Lexicon): Score => {
  const result: Score = { total: entries.length, right: 0, falseGrants: 0, misses: {} };
  for (const entry of entries) {
    const got = classify({ speech: entry.text, confidence: entry.confidence }, lex, options).intent;
    if (got === entry.intent) {
      result.right += 1;
      continue;
    }
    if (got === 'yes') result.falseGrants += 1;
    const key = `${entry.kind}: ${entry.intent}→${got}`;
    result.misses[key] = (result.misses[key] ?? 0) + 1;
  }
  return result;
};

const percent = (s: Score): string => ((100 * s.right) / Math.max(1, s.total)).toFixed(1);
const falseGrantsByKind = (s: Score): Record<string, number> =>
  Object.fromEntries(Object.entries(s.misses).filter(([key]) => key.endsWith('→yes')));

describe.each(LANGUAGES)('held-out intents in %s', (lng) => {
  const loaded = loadCorpus(lng);
  const entries = typeof loaded === 'string' ? [] : loaded;
  const result = score(entries, lexicon(lng));

  // Printed on every run, so the before/after numbers of issue 16 can be read from any CI log.
  console.log(
    `held-out intents ${lng}: accuracy ${result.right}/${result.total} (${percent(result)}%), ` +
      `false grants ${result.falseGrants}`,
  );

  test('the corpus file is well formed and covers every label with enough utterances', () => {
    expect(typeof loaded === 'string' ? loaded : 'valid').toBe('valid');
    expect(entries.length).toBeGreaterThanOrEqual(MIN_UTTERANCES);
    const count = (label: (typeof LABELS)[number]): number =>
      entries.filter((e) => e.intent === label).length;
    for (const label of LABELS) expect([label, count(label) >= 5]).toEqual([label, true]);
    // Roughly a quarter yes: most of the corpus is hard negatives a classifier must not grant.
    expect(count('yes') / entries.length).toBeGreaterThan(0.15);
    expect(count('yes') / entries.length).toBeLessThan(0.35);
  });

  test('no utterance that is not a clear yes is granted as consent', () => {
    // The diff shows counts per kind only, e.g. { "condition: unclear→yes": 2 }.
    expect({ falseGrants: result.falseGrants, byKind: falseGrantsByKind(result) }).toEqual({
      falseGrants: 0,
      byKind: {},
    });
  });

  test(`accuracy is at least ${100 * MIN_ACCURACY[lng]}%`, () => {
    if (result.right / Math.max(1, result.total) < MIN_ACCURACY[lng])
      console.log(
        `held-out intents ${lng} misses by kind (expected→predicted):\n` +
          Object.entries(result.misses)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([key, n]) => `  ${key}: ${n}`)
            .join('\n'),
      );
    expect(result.total).toBeGreaterThan(0);
    expect(result.right / Math.max(1, result.total)).toBeGreaterThanOrEqual(MIN_ACCURACY[lng]);
  });
});
