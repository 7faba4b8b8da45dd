import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { classify, normalize, parseLexicon, type Intent, type Lexicon } from '../../src/flow/intents';

const LANGUAGES = ['de', 'en', 'tr', 'fr'] as const;
const INTENTS = ['yes', 'no', 'info', 'withdraw', 'agent', 'minor', 'language', 'unclear'] as const;
const options = { minConfidence: 0.5 };

const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, 'utf8'));
const lexicon = (lng: string): Lexicon =>
  parseLexicon(readJson(path.join(__dirname, '../../locales', lng, 'lexicon.json')));

// The corpus is data written by hand; a typo in an intent name would otherwise count as a miss
// rather than fail as the mistake it is.
const corpusSchema = z.array(
  z.object({ text: z.string(), confidence: z.number().min(0).max(1), intent: z.enum(INTENTS) }).strict(),
);
const corpus = (lng: string) => corpusSchema.parse(readJson(path.join(__dirname, 'corpus', `${lng}.json`)));

const speak = (lex: Lexicon, speech: string, confidence = 0.9): Intent =>
  classify({ speech, confidence }, lex, options).intent;

describe.each(LANGUAGES)('intents in %s', (lng) => {
  const lex = lexicon(lng);
  const cases = corpus(lng);
  const results = cases.map((c) => ({
    ...c,
    got: classify({ speech: c.text, confidence: c.confidence }, lex, options),
  }));

  test('the corpus holds at least 60 utterances covering every spoken intent', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    for (const intent of ['yes', 'no', 'unclear', 'info', 'withdraw', 'agent', 'minor'])
      expect(cases.filter((c) => c.intent === intent).length).toBeGreaterThanOrEqual(3);
  });

  test('no utterance that is not a clear yes is classified as yes (a false consent fails)', () => {
    const falseConsents = results
      .filter((r) => r.intent !== 'yes' && r.got.intent === 'yes')
      .map((r) => `"${r.text}" (${r.got.reason})`);
    expect(falseConsents).toEqual([]);
  });

  test('accuracy over the corpus is at least 97%', () => {
    const wrong = results.filter((r) => r.got.intent !== r.intent);
    const right = cases.length - wrong.length;
    console.log(
      `intent accuracy ${lng}: ${right}/${cases.length} (${((100 * right) / cases.length).toFixed(1)}%)` +
        wrong
          .map((w) => `\n  missed "${w.text}": expected ${w.intent}, got ${w.got.intent} (${w.got.reason})`)
          .join(''),
    );
    expect(right / cases.length).toBeGreaterThanOrEqual(0.97);
  });

  test('every yes of the corpus is refused when recognition confidence is low', () => {
    const yeses = cases.filter((c) => c.intent === 'yes');
    for (const { text } of yeses) expect(speak(lex, text, 0.3)).toBe('unclear');
  });

  // Every yes phrase against every negator, condition, question, hedge and refusal is in
  // intents-never-yes.test.ts.
  const plain = (list: string[]) => list.filter((p) => !p.includes('*'));

  test('each yes phrase on its own is a yes', () => {
    const refused = lex.yes.filter((p) => speak(lex, p) !== 'yes');
    expect(refused).toEqual([]);
  });

  test('a request for a person wins over a yes in the same answer', () => {
    const [yes] = lex.yes;
    for (const agent of plain(lex.agent))
      expect([agent, speak(lex, `${yes}, ${agent}`)]).toEqual([agent, 'agent']);
  });
});

describe('classification details', () => {
  const de = lexicon('de');
  const tr = lexicon('tr');
  const en = lexicon('en');

  test.each([
    ['hayır', 'no'],
    ['HAYIR', 'no'],
    ['hayir', 'no'],
    ['Hayır.', 'no'],
    ['İSTEMİYORUM', 'no'],
    ['onaylamıyorum', 'no'],
    ['kabul etmem', 'no'],
    ['tamam değil', 'no'],
  ])('Turkish %s is %s whatever the casing and dots', (speech, intent) => {
    expect(speak(tr, speech)).toBe(intent);
  });

  test('normalisation folds case, punctuation, diacritics and both Turkish i', () => {
    expect(normalize('  Ähm, JA — gerne!! ')).toBe('ahm ja gerne');
    expect(normalize('İSTEMİYORUM')).toBe(normalize('istemiyorum'));
    expect(normalize('HAYIR')).toBe('hayir');
    expect(normalize('d’accord')).toBe('d accord');
    expect(normalize('Straße')).toBe('strasse');
  });

  test.each([
    ['i dont agree', 'no'],
    ['i dont want to be recorded', 'no'],
    ['thats fine', 'yes'],
    ['im fifteen', 'minor'],
    ['whos listening', 'info'],
    ['i dont mind', 'yes'],
    ['yes but i dont want it shared', 'unclear'],
  ])('an apostrophe the recogniser dropped is respelt: %s is %s', (speech, intent) => {
    expect(speak(en, speech)).toBe(intent);
  });

  test('a fragment that holds a filler is no fragment once the filler is dropped', () => {
    // "şey ben" without its filler "şey" would be a bare "ben" and block "ben kabul ediyorum".
    const trCutOff = { ...tr, fragments: [...tr.fragments, 'şey ben'] };
    expect(speak(trCutOff, 'ben kabul ediyorum')).toBe('yes');
    expect(speak(trCutOff, 'evet şey ben')).toBe('unclear');
    expect(speak(en, 'yes what i mean is')).toBe('unclear');
  });

  test.each([
    ['oh kay', 'yes'],
    ['ok kay', 'yes'],
    ['uh-huh sure', 'yes'],
    ['mm hmm yes please', 'yes'],
    ['uh huh', 'yes'],
    ['mm hmm', 'yes'],
    // The "huh" a dropped filler "uh" used to leave asks "what?".
    ['huh', 'unclear'],
    ['huh yes', 'unclear'],
    ['hmm yes', 'yes'],
  ])('a sound the recogniser spells in pieces is one word: %s is %s', (speech, intent) => {
    expect(speak(en, speech)).toBe(intent);
  });

  test.each([
    // The withdrawal verb in its own conditional, alone or before a question: supposed.
    ['iptal edersem', 'unclear'],
    ['onayımı geri çekersem', 'unclear'],
    ['iptal etmek istersem', 'unclear'],
    ['vazgeçersem sorun olur mu', 'unclear'],
    ['iptal edersem ne olur', 'info'],
    // What the condition leads to is a request, or the condition is said before the request.
    ['silerseniz sevinirim', 'withdraw'],
    ['kaydediyorsanız silin', 'withdraw'],
    ['iptal edersem ama yok iptal ediyorum', 'withdraw'],
    // Necessity: asked about, wanted, or refused.
    ['iptal etmeli miyiz', 'unclear'],
    ['onayımı geri almalı mıyım', 'unclear'],
    ['onayımı iptal etmeliyim', 'withdraw'],
    ['geri çekmemeliyim', 'no'],
  ])('a withdrawal supposed is not asked for: %s is %s', (speech, intent) => {
    expect(speak(tr, speech)).toBe(intent);
  });

  test.each<[Lexicon, string, Intent]>([
    [de, 'bitte nicht löschen', 'no'],
    [de, 'ich möchte nichts löschen', 'unclear'],
    [de, 'ich möchte das löschen', 'withdraw'],
    [en, "don't delete it", 'no'],
    [en, 'please delete it', 'withdraw'],
  ])('a deletion negated, also in the words a phrase skips, is none: %#', (lex, speech, intent) => {
    expect(speak(lex, speech)).toBe(intent);
  });

  test('the reason names the rule and the words that decided, for the audit log', () => {
    expect(classify({ speech: 'ja gerne', confidence: 0.9 }, de, options).reason).toBe(
      "whole-utterance yes: only yes phrase 'ja gerne'",
    );
    expect(classify({ speech: 'okay danke', confidence: 0.9 }, de, options).reason).toMatch(
      /whole-utterance yes: only yes phrase 'okay' with courtesy 'danke'/,
    );
    expect(classify({ speech: 'ja wenn es sein muss', confidence: 0.9 }, de, options)).toMatchObject({
      intent: 'unclear',
    });
    expect(classify({ speech: 'ja wenn das kostenlos ist', confidence: 0.9 }, de, options).reason).toMatch(
      /not a whole yes: condition 'wenn' beside yes phrase 'ja'/,
    );
    expect(classify({ speech: 'yes honey', confidence: 0.9 }, en, options).reason).toMatch(
      /someone addressed 'honey'/,
    );
    expect(
      classify({ speech: 'damit bin ich wirklich nicht einverstanden', confidence: 0.9 }, de, options),
    ).toMatchObject({ intent: 'no' });
    expect(classify({ speech: 'das passt mir nicht', confidence: 0.9 }, de, options).reason).toMatch(
      /negation 'nicht' after yes/,
    );
    expect(classify({ speech: 'I do not really agree', confidence: 0.9 }, en, options).reason).toMatch(
      /negation 'not' before yes/,
    );
  });

  test('a drawn-out word is the word, a refusal said twice is a no, an age after a negated clause is an age', () => {
    expect(speak(de, 'jaaa')).toBe('yes');
    expect(speak(en, 'yesss please')).toBe('yes');
    expect(speak(de, 'neeein')).toBe('no');
    expect(speak(de, 'jaaa aber nur heute')).toBe('unclear');
    expect(speak(de, 'nee das passt mir nicht')).toBe('no');
    expect(speak(en, "my mom's not home i'm thirteen")).toBe('minor');
    expect(speak(en, "i'm not under 16")).not.toBe('minor');
  });

  test('a verb-second statement is a yes where the same words opening a question are not', () => {
    expect(speak(de, 'damit bin ich einverstanden')).toBe('yes');
    expect(speak(de, 'bin ich damit einverstanden')).toBe('unclear');
    expect(speak(de, 'ja bin ich einverstanden')).toBe('unclear');
  });

  test('a missing or non-numeric confidence counts as low: never a yes', () => {
    expect(classify({ speech: 'ja' }, de, options)).toMatchObject({
      intent: 'unclear',
      reason: expect.stringMatching(/confidence missing is below 0.5/),
    });
    expect(classify({ speech: 'ja', confidence: Number.NaN }, de, options).intent).toBe('unclear');
    expect(classify({ speech: 'eins' }, de, options).intent).toBe('unclear');
    expect(classify({ speech: 'ja', confidence: 0.5 }, de, options).intent).toBe('yes');
    expect(classify({ speech: 'ja', confidence: 0.49 }, de, options).intent).toBe('unclear');
  });

  test('a recognition hundreds of words long is unclear, and classified without delay', () => {
    const speech = Array(5000).fill('ja gerne').join(' ');
    const started = Date.now();
    expect(classify({ speech, confidence: 0.99 }, de, options).intent).toBe('unclear');
    expect(Date.now() - started).toBeLessThan(500);
  });

  test('silence and filler words are unclear, never consent', () => {
    expect(classify({}, de, options)).toMatchObject({ intent: 'unclear', via: 'none' });
    expect(classify({ speech: '   ', digits: '' }, de, options)).toMatchObject({
      intent: 'unclear',
      via: 'none',
    });
    expect(classify({ speech: 'äh ähm hm', confidence: 0.9 }, de, options)).toMatchObject({
      intent: 'unclear',
      via: 'speech',
    });
  });

  test('priority: person over withdrawal over age over information over yes and no', () => {
    expect(speak(de, 'ich widerrufe und will einen Mitarbeiter')).toBe('agent');
    expect(speak(de, 'ich bin minderjährig und widerrufe')).toBe('withdraw');
    expect(speak(de, 'was heißt das, ich bin unter 16')).toBe('minor');
    expect(speak(de, 'ja, aber was heißt das')).toBe('info');
    expect(speak(de, 'nein, mehr Informationen bitte')).toBe('info');
  });

  test('a withdrawal after a reported yes takes it back; after a yes given with a condition it is the condition', () => {
    expect(speak(de, 'ich hab ja gesagt aber ich nehme es zurück')).toBe('withdraw');
    expect(speak(tr, 'evet demiştim ama vazgeçtim')).toBe('withdraw');
    expect(speak(tr, 'az önce evet dedim ama geri alıyorum')).toBe('withdraw');
    expect(speak(de, 'passt aber bitte löschen sie es danach')).toBe('unclear');
    expect(speak(tr, 'evet ama sonra silin')).toBe('unclear');
    // One Turkish word can be the deletion and the condition: "if you delete it".
    expect(speak(tr, 'evet silerseniz')).toBe('unclear');
  });

  test('a person or a deletion asked about in a question about the data is information, asked for it is a request', () => {
    expect(speak(tr, 'kayıtları bir insan dinleyecek mi')).toBe('info');
    expect(speak(tr, 'çalışanlarınız dinleyecek mi')).toBe('info');
    expect(speak(tr, 'doktorla görüşebilir miyim')).toBe('agent');
    expect(speak(tr, 'yetkiliyi verir misiniz')).toBe('agent');
    expect(speak(tr, 'kayıtları siliyor musunuz')).toBe('info');
    expect(speak(tr, 'kaydımı siler misiniz')).toBe('withdraw');
    expect(speak(en, 'can i get the receptionist')).toBe('agent');
  });

  test('a withdrawal verb in a question about what would follow, or about being able to, is information', () => {
    // "what happens if I want it deleted / if I cancel": the verb runs into a condition that asks.
    expect(speak(tr, 'silinmesini istersem ne olur')).toBe('info');
    expect(speak(tr, 'iptal edersem ne olur')).toBe('info');
    expect(speak(tr, 'kayıtları silebiliyor muyum')).toBe('info');
    expect(speak(tr, 'ne zaman imha edilecek')).toBe('info');
    // How, when or whether later: the interrogative before the verb, or the time word, asks.
    expect(speak(tr, 'nasıl vazgeçebilirim')).toBe('info');
    expect(speak(tr, 'kaydımı ne zaman silersiniz')).toBe('info');
    expect(speak(tr, 'daha sonra silebilir miyim')).toBe('info');
    // Asked for, it is still a request, however politely conditional.
    expect(speak(tr, 'kaydımı silerseniz sevinirim')).toBe('withdraw');
    expect(speak(tr, 'kaydımı silebilir misiniz')).toBe('withdraw');
    expect(speak(tr, 'onay falan vermiyorum artık')).toBe('withdraw');
    expect(speak(tr, 'kaydı imha edin')).toBe('withdraw');
  });

  test('tr: the consent verbs in the future, an emphatic ya, a courtesy address and "of course" are a yes', () => {
    for (const yes of [
      'kabul edeceğim',
      'onay vericem',
      'kabul ediyorum ya',
      'evet beyefendi',
      'of course evet',
    ])
      expect([yes, speak(tr, yes)]).toEqual([yes, 'yes']);
    // Said to someone who may be in the room, a name or kin word is not a courtesy word.
    for (const unclear of ['tamam hocam', 'evet abla', 'of course ama', 'kabul edebilirim'])
      expect([unclear, speak(tr, unclear)]).toEqual([unclear, 'unclear']);
    expect(speak(tr, 'onay vermem')).toBe('no');
    // Negated in any tense and person, a consent verb refuses.
    for (const no of ['kabul etmedik', 'onaylamadım', 'izin vermeyeceğiz', 'kabul etmiycem', 'onay vermeyiz'])
      expect([no, speak(tr, no)]).toEqual([no, 'no']);
    expect(speak(tr, 'vermiyorum')).toBe('no');
  });

  test('tr: greetings and closing formulas are courtesy; a double negative hedges; "no longer" after a refusal withdraws', () => {
    for (const yes of ['tamam kolay gelsin', 'evet kabul ediyorum iyi günler', 'merhaba evet'])
      expect([yes, speak(tr, yes)]).toEqual([yes, 'yes']);
    expect(speak(tr, 'iyi günler')).toBe('unclear');
    expect(speak(tr, 'of course not istemiyorum')).toBe('no');
    expect(speak(tr, 'kabul etmiyor değilim')).toBe('unclear');
    expect(speak(tr, 'hayır demiyorum')).toBe('unclear');
    expect(speak(tr, 'istemiyorum galiba')).toBe('no');
    expect(speak(tr, 'rızam yok artık')).toBe('withdraw');
  });

  test("tr: an age in digits keeps its suffix ('15'im'), which a filler 'ım' no longer swallows", () => {
    expect(speak(tr, "daha 15'im")).toBe('minor');
    expect(speak(tr, '15 gün')).toBe('unclear');
  });

  test('a refusal after a withdrawal repeats it; a refused withdrawal is a no', () => {
    expect(speak(tr, 'vazgeçtim kaydetmeyin')).toBe('withdraw');
    expect(speak(tr, 'fikrimi değiştirdim istemiyorum')).toBe('withdraw');
    expect(speak(tr, 'onayımı geri çekmek istemiyorum')).toBe('no');
    // The stem 'vazgeç*' also matches the negated verb, which the no list names as said.
    expect(speak(tr, 'vazgeçmiyorum')).toBe('no');
  });
});

describe('spoken key numbers', () => {
  test.each<[string, string, Intent]>([
    ['de', 'eins', 'yes'],
    ['de', 'die zwei', 'no'],
    ['de', 'neun bitte', 'info'],
    ['de', 'null', 'withdraw'],
    ['en', 'one', 'yes'],
    ['en', 'press two', 'no'],
    ['en', 'nine', 'info'],
    ['en', 'zero', 'withdraw'],
    ['tr', 'bir', 'yes'],
    ['tr', 'iki', 'no'],
    ['tr', 'dokuza basıyorum', 'info'],
    ['tr', 'sıfır', 'withdraw'],
    ['fr', 'un', 'yes'],
    ['fr', 'la touche deux', 'no'],
    ['fr', 'neuf', 'info'],
    ['fr', 'zéro', 'withdraw'],
  ])('%s "%s" names the key for %s', (lng, speech, intent) => {
    expect(classify({ speech, confidence: 0.9 }, lexicon(lng), options)).toMatchObject({
      intent,
      reason: expect.stringMatching(/^spoken key: /),
    });
  });

  test('a number before a filler word starts a phrase: "bir şey diyeceğim" (I will say something) is no key 1', () => {
    expect(speak(lexicon('tr'), 'bir şey diyeceğim')).toBe('unclear');
    expect(speak(lexicon('tr'), 'bir diyeceğim')).toBe('yes');
    // A case ending written apart is a key word even where it is also a filler ("e" from "eee").
    expect(speak(lexicon('tr'), 'bir e basıyorum')).toBe('yes');
    expect(speak(lexicon('tr'), '1 e basıyorum')).toBe('yes');
    // The yes word "iyi" inside the courtesy "iyi günler" is that courtesy, not a yes beside a key.
    expect(speak(lexicon('tr'), 'iyi günler bir')).toBe('yes');
    expect(speak(lexicon('tr'), 'iyi bir')).toBe('unclear');
  });

  test('a number inside a sentence is no key, and a spoken one is still held to the confidence', () => {
    expect(speak(lexicon('en'), 'one moment')).not.toBe('yes');
    expect(speak(lexicon('tr'), 'bir sorum var')).toBe('info');
    expect(speak(lexicon('fr'), 'un conseiller')).toBe('agent');
    expect(speak(lexicon('de'), 'eins', 0.3)).toBe('unclear');
  });

  test.each<[string, string, Intent]>([
    ['en', 'yes number one', 'yes'],
    ['en', 'yes i press one', 'yes'],
    ['tr', 'evet bire basıyorum', 'yes'],
    // Without a word about the key, "yes one" may be the start of "yes, one question".
    ['en', 'yes one', 'unclear'],
    ['tr', 'evet bir', 'unclear'],
    ['en', 'yes number two', 'unclear'],
    ['en', 'yes number one maybe', 'unclear'],
    // 'bas*' (press) also matches the yes 'başüstüne': a yes is no word about the key, and the
    // unfinished 'bir de' ("and also ...") was granted as key 1 (found by the fuzzer in CI).
    ['tr', 'başüstüne elbette ki bir de', 'unclear'],
    ['tr', 'başüstüne bir', 'unclear'],
  ])(
    '%s "%s": a yes beside the yes key counts only with a word about the key (%s)',
    (lng, speech, intent) => {
      expect(speak(lexicon(lng), speech)).toBe(intent);
    },
  );
});
