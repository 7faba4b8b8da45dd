import fs from 'node:fs';
import path from 'node:path';
import { classify, parseLexicon, type Intent, type Lexicon } from '../../src/flow/intents';

const LANGUAGES = ['de', 'en', 'tr', 'fr'];
const lexicon = (lng: string): Lexicon =>
  parseLexicon(
    JSON.parse(fs.readFileSync(path.join(__dirname, '../../locales', lng, 'lexicon.json'), 'utf8')),
  );
const corpus = (lng: string): Array<[string, Intent]> =>
  JSON.parse(fs.readFileSync(path.join(__dirname, 'corpus', `${lng}.json`), 'utf8')) as Array<
    [string, Intent]
  >;
const options = { minConfidence: 0.5 };

describe.each(LANGUAGES)('intents in %s', (lng) => {
  const lex = lexicon(lng);
  const cases = corpus(lng);

  test('the corpus holds at least 60 utterances with every intent', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    for (const intent of ['yes', 'no', 'unclear', 'info', 'withdraw', 'agent', 'minor'])
      expect(cases.some(([, i]) => i === intent)).toBe(true);
  });

  test('no utterance that is not a clear yes is ever classified as yes (a false consent fails)', () => {
    const falseConsents = cases.filter(
      ([text, expected]) =>
        expected !== 'yes' && classify({ speech: text, confidence: 0.9 }, lex, options).intent === 'yes',
    );
    expect(falseConsents).toEqual([]);
  });

  test('accuracy over the corpus is at least 95%', () => {
    const wrong = cases
      .map(([text, expected]) => ({
        text,
        expected,
        got: classify({ speech: text, confidence: 0.9 }, lex, options).intent,
      }))
      .filter((r) => r.got !== r.expected);
    const accuracy = (cases.length - wrong.length) / cases.length;
    process.stdout.write(
      `intent accuracy ${lng}: ${cases.length - wrong.length}/${cases.length} (${(accuracy * 100).toFixed(1)}%)` +
        `${wrong.map((w) => `\n  missed: "${w.text}" expected ${w.expected}, got ${w.got}`).join('')}\n`,
    );
    expect(wrong.length / cases.length).toBeLessThanOrEqual(0.05);
  });

  test('every yes of the corpus is refused when recognition confidence is low', () => {
    for (const [text] of cases.filter(([, i]) => i === 'yes')) {
      expect(classify({ speech: text, confidence: 0.3 }, lex, options).intent).toBe('unclear');
    }
  });
});

describe('keys', () => {
  const lex = lexicon('de');
  test.each([
    ['1', 'yes'],
    ['2', 'no'],
    ['9', 'info'],
    ['0', 'withdraw'],
    ['7', 'minor'],
    ['8', 'language'],
    ['3', 'unclear'],
    ['11', 'unclear'],
    ['#', 'unclear'],
    ['*', 'unclear'],
  ])('key %s means %s', (digits, intent) => {
    expect(classify({ digits }, lex, options)).toMatchObject({ intent, via: 'dtmf' });
  });

  test('a key wins over words said at the same time', () => {
    expect(classify({ digits: '2', speech: 'ja', confidence: 0.99 }, lex, options).intent).toBe('no');
  });

  test('silence is unclear, never consent', () => {
    expect(classify({}, lex, options)).toMatchObject({ intent: 'unclear', via: 'none' });
    expect(classify({ speech: '   ' }, lex, options).intent).toBe('unclear');
  });
});

describe('lexicon files', () => {
  test('a lexicon without yes words is refused with the key named', () => {
    expect(() => parseLexicon({ no: ['nein'] })).toThrow(/"yes"/);
  });
});
