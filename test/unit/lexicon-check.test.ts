import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseLexicon, type Lexicon } from '../../src/flow/intents';
import { lexiconProblems } from '../../src/flow/intents/check';
import { readLocales } from '../../src/i18n/catalog';

const LOCALES = path.join(__dirname, '../../locales');
const shipped = (lng: string): Lexicon =>
  parseLexicon(JSON.parse(fs.readFileSync(path.join(LOCALES, lng, 'lexicon.json'), 'utf8')));

describe('consent locales check refuses a lexicon that could grant consent to something else', () => {
  test.each(['de', 'en', 'tr', 'fr'])('the shipped %s lexicon has no such problem', (lng) => {
    expect(lexiconProblems(shipped(lng))).toEqual([]);
  });

  const en = shipped('en');
  test.each<[string, Partial<Lexicon>, RegExp]>([
    [
      'a yes phrase with a negator',
      { yes: [...en.yes, 'not okay at all'] },
      /"yes": 'not okay at all' contains 'not'/,
    ],
    [
      'a yes phrase that is a refusal',
      { yes: [...en.yes, 'no thanks'] },
      /"yes": 'no thanks' contains 'no thanks' from "no"/,
    ],
    [
      'a yes phrase with a condition',
      { yes: [...en.yes, 'yes if you must'] },
      /contains 'if' from "conditions"/,
    ],
    [
      'a yes phrase asking a question',
      { yes: [...en.yes, 'is that okay'] },
      /contains 'is that' from "questionMarkers"/,
    ],
    [
      'a yes phrase asking for a person',
      { yes: [...en.yes, 'yes operator'] },
      /contains 'operator' from "agent"/,
    ],
    ['a yes phrase that withdraws', { yes: [...en.yes, 'okay delete it'] }, /from "withdraw"/],
    ['a hedged yes phrase', { yes: [...en.yes, 'yes i guess'] }, /contains 'i guess' from "uncertain"/],
    ['a yes said to someone else', { yes: [...en.yes, 'yes honey'] }, /contains 'honey' from "addressees"/],
    [
      'an idiom with a condition',
      { yesIdioms: [...en.yesIdioms, 'no problem if'] },
      /"yesIdioms": 'no problem if'/,
    ],
    ['a courtesy word that is a condition', { courtesy: [...en.courtesy, 'but'] }, /"courtesy": 'but'/],
    [
      'a consent object that negates',
      { yesObjects: ['the recording', 'not the recording'] },
      /"yesObjects": 'not the recording' contains 'not'/,
    ],
    [
      'a consent object written as a stem',
      { yesObjects: ['record*'] },
      /"yesObjects": 'record\*' holds a wildcard/,
    ],
    ['a key word that negates', { keyWords: [...en.keyWords, 'not'] }, /"keyWords": 'not'/],
    [
      'a respelling that makes a yes',
      { respellings: { ...en.respellings, nah: 'yeah' } },
      /"respellings": 'nah' becomes 'yeah', which holds 'yeah' from "yes"/,
    ],
    [
      'a respelling of a word that already means something',
      { respellings: { ...en.respellings, not: 'knot' } },
      /"respellings": 'not' is itself 'not' from "negators"/,
    ],
    [
      'a filler that is a negator',
      { fillers: [...en.fillers, 'not'] },
      /"negators": 'not' consists of fillers only/,
    ],
  ])('refuses %s', (_name, change, problem) => {
    expect(lexiconProblems({ ...en, ...change }).join('\n')).toMatch(problem);
  });

  test('an idiom may hold the negator or question word it exists for', () => {
    expect(lexiconProblems({ ...en, yesIdioms: ['no problem', 'why not', "i don't mind"] })).toEqual([]);
  });

  test('an idiom may hold a word a conditional suffix matches inside ("of course"), never a condition word', () => {
    const tr = shipped('tr');
    expect(lexiconProblems({ ...tr, yesIdioms: [...tr.yesIdioms, 'of course'] })).toEqual([]);
    expect(lexiconProblems({ ...tr, yesIdioms: [...tr.yesIdioms, 'sorun yok ama'] }).join('\n')).toMatch(
      /"yesIdioms": 'sorun yok ama' contains 'ama' from "conditions"/,
    );
    expect(lexiconProblems({ ...tr, yes: [...tr.yes, 'of course'] }).join('\n')).toMatch(
      /"yes": 'of course' contains 'rse' from "conditions"/,
    );
  });

  test('an idiom may hold a verb-first marker after its first word (verb-second order), never opening it', () => {
    const de = shipped('de');
    expect(lexiconProblems({ ...de, yesIdioms: [...de.yesIdioms, 'damit bin ich einverstanden'] })).toEqual(
      [],
    );
    expect(
      lexiconProblems({ ...de, yesIdioms: [...de.yesIdioms, 'bin ich einverstanden'] }).join('\n'),
    ).toMatch(/"yesIdioms": 'bin ich einverstanden' contains 'bin ich' from "questionMarkers"/);
    expect(lexiconProblems({ ...de, yes: [...de.yes, 'damit bin ich einverstanden'] }).join('\n')).toMatch(
      /"yes": 'damit bin ich einverstanden' contains 'bin ich'/,
    );
  });

  test('readLocales, which start-up and `consent locales check` share, names the locale and the phrase', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'locales-'));
    try {
      fs.cpSync(LOCALES, dir, { recursive: true });
      const file = path.join(dir, 'de', 'lexicon.json');
      const lexicon = JSON.parse(fs.readFileSync(file, 'utf8')) as { yes: string[] };
      lexicon.yes.push('nicht einverstanden');
      fs.writeFileSync(file, JSON.stringify(lexicon));
      const { problems } = readLocales(dir);
      expect(problems.join('\n')).toMatch(/de\/lexicon\.json: "yes": 'nicht einverstanden' contains/);
      expect(readLocales(LOCALES).problems).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
