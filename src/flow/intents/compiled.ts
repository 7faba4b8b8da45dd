import { compile, fillerPatterns, type Pattern, type Phrase } from './match';
import type { Lexicon } from './lexicon';
import { vocabularyOf, type Vocabulary } from './repair';
import { compileRespellings, type Respellings } from './respell';

/** Every list of a lexicon that is matched as phrases, under the name reasons use for it. */
export const CATEGORIES = [
  'yes',
  'idiom',
  'courtesy',
  'object',
  'no',
  'info',
  'withdraw',
  'agent',
  'minor',
  'negator',
  'uncertain',
  'condition',
  'questionWord',
  'questionMarker',
  'addressee',
  'fragment',
  'topic',
] as const;
export type Category = (typeof CATEGORIES)[number];

export interface Compiled {
  respellings: Respellings;
  fillers: Pattern[];
  lists: Record<Category, Phrase[]>;
  keys: Array<{ digit: string; numbers: Phrase[] }>;
  keyWords: Phrase[];
  /** Fragments as written, fillers kept: "evet yani", "yes I mean" end in the middle of a sentence. */
  trailing: Phrase[];
  /** Yes phrases as written, fillers kept: a yes that ends in a filler word ("grand so") ends there. */
  writtenYes: Phrase[];
  /** Every word the lexicon knows, to undo recogniser damage to words it does not. */
  vocabulary: Vocabulary;
}

/** Which lexicon key each category is read from, for messages that point an operator at the file. */
export const LEXICON_KEY: Readonly<Record<Category, keyof Lexicon>> = {
  yes: 'yes',
  idiom: 'yesIdioms',
  courtesy: 'courtesy',
  object: 'yesObjects',
  no: 'no',
  info: 'info',
  withdraw: 'withdraw',
  agent: 'agent',
  minor: 'minor',
  negator: 'negators',
  uncertain: 'uncertain',
  condition: 'conditions',
  questionWord: 'questionWords',
  questionMarker: 'questionMarkers',
  addressee: 'addressees',
  fragment: 'fragments',
  topic: 'topics',
};

// A lexicon is read once at start and classified against on every webhook; normalising its few
// hundred phrases once per lexicon object keeps classify cheap without giving up purity.
const cache = new WeakMap<Lexicon, Compiled>();

export function compiled(lexicon: Lexicon): Compiled {
  let c = cache.get(lexicon);
  if (!c) {
    // Phrases are respelt like speech, so "im a minor" in a lexicon still meets "i'm a minor".
    const respellings = compileRespellings(lexicon.respellings ?? {});
    const fillers = fillerPatterns(lexicon.fillers, respellings);
    const lists = {} as Record<Category, Phrase[]>;
    for (const category of CATEGORIES) {
      const source = lexicon[LEXICON_KEY[category]];
      const texts = Array.isArray(source) ? source : [];
      // A fragment that holds a filler ("what i mean is", "şey ben") is only a fragment as said:
      // stripped of its filler it would be "what is" or "ben" and block every answer holding those.
      // Said at the end it still cuts the answer off (`trailing` keeps the fillers).
      const holdsFiller = (text: string): boolean =>
        compile([text], fillers, respellings)[0]?.words.length !==
        compile([text], [], respellings)[0]?.words.length;
      lists[category] = compile(
        category === 'fragment' ? texts.filter((t) => !holdsFiller(t)) : texts,
        fillers,
        respellings,
      );
    }
    const keys = Object.entries(lexicon.keys ?? {}).map(([digit, numbers]) => ({
      digit,
      numbers: compile(numbers, fillers, respellings),
    }));
    // As written: a case ending said apart from the number ("1 e", "bir e") may also be a filler
    // ("e", from "eee"), and is kept as the key word it is right after a number.
    const keyWords = compile(lexicon.keyWords ?? [], [], respellings);
    const trailing = compile(lexicon.fragments ?? [], [], respellings);
    const written = compile(lexicon.fillers, [], respellings);
    c = {
      respellings,
      fillers,
      lists,
      keys,
      keyWords,
      trailing,
      writtenYes: compile([...lexicon.yes, ...lexicon.yesIdioms], [], respellings),
      vocabulary: vocabularyOf([
        ...Object.values(lists),
        ...keys.map((k) => k.numbers),
        keyWords,
        trailing,
        written,
      ]),
    };
    cache.set(lexicon, c);
  }
  return c;
}
