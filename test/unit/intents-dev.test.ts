/**
 * The development corpus (test/unit/corpus/dev/*.json): recogniser output written by kind for issue
 * 16 after the held-out corpus was frozen, to find the kinds of answer the classifier gets wrong and
 * fix them as patterns. Unlike the held-out corpus it may be read and tuned on, so a miss prints the
 * utterance, what came out and the classifier's reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { classify, parseLexicon, type Lexicon } from '../../src/flow/intents';

const LANGUAGES = ['de', 'en', 'tr', 'fr'] as const;
const LABELS = ['yes', 'no', 'info', 'withdraw', 'agent', 'minor', 'unclear'] as const;
const MIN_UTTERANCES = 100;
const MIN_ACCURACY = 0.97;
const options = { minConfidence: 0.5 };

const entrySchema = z
  .object({
    text: z.string().min(1),
    confidence: z.number().min(0).max(1),
    intent: z.enum(LABELS),
    kind: z.string().regex(/^[a-z]+(-[a-z]+)*$/),
  })
  .strict();

const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, 'utf8'));
const lexicon = (lng: string): Lexicon =>
  parseLexicon(readJson(path.join(__dirname, '../../locales', lng, 'lexicon.json')));

describe.each(LANGUAGES)('development corpus in %s', (lng) => {
  const entries = z.array(entrySchema).parse(readJson(path.join(__dirname, 'corpus', 'dev', `${lng}.json`)));
  const lex = lexicon(lng);
  const results = entries.map((e) => ({
    ...e,
    got: classify({ speech: e.text, confidence: e.confidence }, lex, options),
  }));
  const wrong = results.filter((r) => r.got.intent !== r.intent);
  const right = entries.length - wrong.length;
  console.log(
    `dev intents ${lng}: accuracy ${right}/${entries.length} (${((100 * right) / entries.length).toFixed(1)}%), ` +
      `false grants ${wrong.filter((w) => w.got.intent === 'yes').length}` +
      wrong
        .map(
          (w) => `\n  [${w.kind}] "${w.text}": expected ${w.intent}, got ${w.got.intent} (${w.got.reason})`,
        )
        .join(''),
  );

  test('holds at least 100 utterances, every label, and a low-confidence spoken key', () => {
    expect(entries.length).toBeGreaterThanOrEqual(MIN_UTTERANCES);
    for (const label of LABELS)
      expect([label, entries.filter((e) => e.intent === label).length >= 5]).toEqual([label, true]);
    expect(entries.some((e) => e.kind === 'spoken-key-low-confidence' && e.intent === 'unclear')).toBe(true);
  });

  test('no utterance that is not a clear yes is granted as consent', () => {
    expect(
      wrong.filter((w) => w.got.intent === 'yes').map((w) => `[${w.kind}] ${w.text}: ${w.got.reason}`),
    ).toEqual([]);
  });

  test(`accuracy is at least ${100 * MIN_ACCURACY}%`, () => {
    expect(right / entries.length).toBeGreaterThanOrEqual(MIN_ACCURACY);
  });
});
