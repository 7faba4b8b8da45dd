import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { classify, normalize, parseLexicon, type Lexicon } from '../../src/flow/intents';

// Recogniser damage to a word (split, a letter held, a letter dropped) and the assistant named as
// what a caller agrees to talk with: issue 16's recognition errors and consent objects, by rule.
const LANGUAGES = ['de', 'en', 'tr', 'fr'] as const;
const options = { minConfidence: 0.5 };
const lexicon = (lng: string): Lexicon =>
  parseLexicon(
    JSON.parse(fs.readFileSync(path.join(__dirname, '../../locales', lng, 'lexicon.json'), 'utf8')),
  );
const tr = lexicon('tr');
const said = (lex: Lexicon, speech: string): string =>
  classify({ speech, confidence: 0.95 }, lex, options).intent;

describe('a consent verb the recogniser split or misspelt', () => {
  test.each([
    ['kabul edi yorum', 'yes'],
    ['onay lıyorum', 'yes'],
    ['izin veri yorum', 'yes'],
    ['onaylıyorumm', 'yes'],
    ['onaylyorum', 'yes'],
    ['kabul ediyrum', 'yes'],
    ['kabul etmi yorum', 'no'],
    ['izin vermi yorum', 'no'],
    ['onaylamı yorum', 'no'],
    ['onaylamyorum', 'no'],
    ['kabul edi', 'unclear'],
  ])('"%s" is %s', (speech, intent) => {
    expect(said(tr, speech)).toBe(intent);
  });

  test('a word with a different ending is not repaired into one that means something else', () => {
    // 'kayıtlar' (records) with one letter more is 'kayıtları', which a deletion phrase names.
    expect(said(tr, 'kayıtlar siliniyormu')).toBe('info');
  });

  // Negating adds letters in each of these languages' refusals: damage to a refusal never makes a yes.
  // Unless the damage spells other words the lexicon lists as they are ('izin vermiyorum' without its
  // 'm' is 'izin veriyorum'): that is what was heard, and no repair was made.
  test.each(LANGUAGES)(
    'a refusal in %s split, held or missing a letter is never repaired into a yes',
    (lng) => {
      const lex = lexicon(lng);
      const listed = new Set(
        Object.values(lex)
          .filter((v): v is string[] => Array.isArray(v))
          .flat()
          .flatMap((p) => normalize(p).split(/\s+/)),
      );
      const refusals = lex.no.filter((p) => !p.includes('*') && !p.includes('...'));
      const damaged = fc
        .tuple(fc.constantFrom(...refusals), fc.nat(), fc.constantFrom('split', 'hold', 'drop'))
        .map(([phrase, at, how]) => {
          const i = phrase.length > 1 ? 1 + (at % (phrase.length - 1)) : 0;
          if (how === 'split') return `${phrase.slice(0, i)} ${phrase.slice(i)}`;
          if (how === 'hold') return `${phrase.slice(0, i)}${phrase.charAt(i)}${phrase.slice(i)}`;
          return `${phrase.slice(0, i)}${phrase.slice(i + 1)}`;
        });
      fc.assert(
        fc.property(damaged, (speech) => {
          fc.pre(
            !normalize(speech)
              .split(/\s+/)
              .every((w) => listed.has(w)),
          );
          expect([speech, said(lex, speech)]).not.toEqual([speech, 'yes']);
        }),
        { numRuns: 400 },
      );
    },
  );
});

describe('the assistant named as what the caller agrees to talk with', () => {
  test.each([
    ['yapay zeka ile görüşmeyi kabul ediyorum', 'yes'],
    ['yapay zekayla konuşmaya razıyım', 'yes'],
    ['asistanla görüşmeye razıyım', 'yes'],
    ['asistanla devam edelim', 'yes'],
    ['yapay zeka ile görüşmeyi kabul ediyorum ama kayıt olmasın', 'unclear'],
    ['asistanla değil temsilciyle görüşmek istiyorum', 'agent'],
    ['yapay zekayla konuşmak istemiyorum insan istiyorum', 'agent'],
    ['yetkiliyle görüşmeyi kabul ediyorum', 'agent'],
    ['robotla konuşmak istemiyorum', 'agent'],
  ])('"%s" is %s', (speech, intent) => {
    expect(said(tr, speech)).toBe(intent);
  });
});

describe('a caller deliberating about their own consent is asked again', () => {
  test.each(['onaylasam mı', 'onay versem mi', 'kabul edeyim mi', 'onaylamalı mıyım', 'izin verecek miyim'])(
    '"%s" is unclear',
    (speech) => {
      expect(said(tr, speech)).toBe('unclear');
    },
  );
  test('asking what the answer does now is a question about the processing', () => {
    expect(said(tr, 'onaylıyor muyum şimdi')).toBe('info');
  });
});
