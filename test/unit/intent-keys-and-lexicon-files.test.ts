import fs from 'node:fs';
import path from 'node:path';
import { classify, parseLexicon, type Lexicon } from '../../src/flow/intents';

/** Keys pressed (DTMF) and the lexicon files' own validation; spoken words are in intents.test.ts. */
const LANGUAGES = ['de', 'en', 'tr', 'fr'] as const;
const options = { minConfidence: 0.5 };
const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, 'utf8'));
const lexicon = (lng: string): Lexicon =>
  parseLexicon(readJson(path.join(__dirname, '../../locales', lng, 'lexicon.json')));

describe('keys', () => {
  const lex = lexicon('de');
  test.each([
    ['1', 'yes'],
    ['2', 'no'],
    ['9', 'info'],
    ['0', 'withdraw'],
    ['7', 'minor'],
    ['8', 'language'],
    [' 1 ', 'yes'],
    ['3', 'unclear'],
    ['4', 'unclear'],
    ['5', 'unclear'],
    ['6', 'unclear'],
    ['11', 'unclear'],
    ['12', 'unclear'],
    ['10', 'unclear'],
    ['#', 'unclear'],
    ['*', 'unclear'],
    ['1#', 'unclear'],
    ['a', 'unclear'],
  ])('key %j means %s', (digits, intent) => {
    expect(classify({ digits }, lex, options)).toMatchObject({ intent, via: 'dtmf' });
  });

  test('a key wins over words said at the same time', () => {
    expect(classify({ digits: '2', speech: 'ja', confidence: 0.99 }, lex, options)).toMatchObject({
      intent: 'no',
      via: 'dtmf',
    });
    expect(classify({ digits: '#', speech: 'ja', confidence: 0.99 }, lex, options).intent).toBe('unclear');
  });
});

describe('lexicon files', () => {
  const valid = lexicon('en');

  test.each(LANGUAGES)('%s parses and its hints fit Twilio', (lng) => {
    const lex = lexicon(lng);
    expect(lex.hints.length).toBeGreaterThan(0);
    for (const hint of lex.hints) expect(hint).not.toContain(',');
  });

  test.each<[string, unknown, RegExp]>([
    ['not an object', 'yes', /\(root\)/],
    ['yes missing', { ...valid, yes: undefined }, /"yes" is missing/],
    ['yes empty', { ...valid, yes: [] }, /"yes" must list at least one phrase/],
    ['negators empty', { ...valid, negators: [] }, /"negators" must list at least one phrase/],
    ['a number among the no phrases', { ...valid, no: ['no', 3] }, /"no\.1"/],
    [
      'an empty agent phrase',
      { ...valid, agent: ['human', '  '] },
      /"agent\.1" must contain at least one word/,
    ],
    ['a phrase of punctuation only', { ...valid, info: ['?!'] }, /"info\.0"/],
    ['a bare wildcard', { ...valid, negators: ['*'] }, /"negators\.0"/],
    ['a misspelt key', { ...valid, negator: ['not'] }, /"negator" is not a lexicon key/],
    ['a comma in a hint', { ...valid, hints: ['yes, please'] }, /"hints\.0" must not contain a comma/],
    ['fillers not a list', { ...valid, fillers: 'uh' }, /"fillers"/],
  ])('refuses %s and names the key', (_name, json, message) => {
    expect(() => parseLexicon(json)).toThrow(message);
  });

  test('names every bad key at once', () => {
    expect(() => parseLexicon({ ...valid, yes: [], minor: undefined })).toThrow(
      /"yes".*"minor"|"minor".*"yes"/,
    );
  });
});
