import type { Compiled } from './compiled';
import { findHits, occurrences, type Pattern } from './match';

/**
 * A caller who says the key's number ("eins", "one", "bir", "un") instead of pressing it means
 * that key, but only when the number is all they said, give or take words about pressing it ("die
 * eins", "press one", "bir tuşu", "la touche un"): "one moment" and "bir sorum var" are not keys.
 * The yes key may come with a yes when a word about pressing makes plain that the number is the
 * key ("yes number one", "evet bire basıyorum"); a bare "yes one" or "evet bir" may be the start of
 * "yes, one question" and stays unclear.
 */
export function spokenKey(
  words: string[],
  spoken: string[],
  c: Compiled,
  isYesKey: (digit: string) => boolean,
): { digit: string; number: string } | undefined {
  if (words.length === 0) return undefined;
  for (const { digit, numbers } of c.keys) {
    for (const number of numbers) {
      if (beforeFiller(spoken, number.words, c)) continue;
      for (const [start, end] of occurrences(words, number.words)) {
        // A key other than yes may be said more than once ("dokuz diyorum dokuz", "yedi yedi yediye
        // bastım"): repeated, it is meant all the more. The yes key may not: "bir bir" may be the
        // start of a longer number, and a doubtful yes is asked again.
        const repeated = isYesKey(digit) ? undefined : covers(words, numbers);
        const rest = repeated
          ? words.filter((_, i) => !repeated.has(i))
          : [...words.slice(0, start), ...words.slice(end)];
        if (blocked(rest, c)) continue;
        if (onlyKeyWords(rest, c) || (isYesKey(digit) && yesAndKeyWords(rest, c)))
          return { digit, number: number.text };
      }
    }
  }
  return undefined;
}

/**
 * A number said right before a filler word is the start of a phrase the filler belongs to: Turkish
 * "bir şey" (something) loses its "şey" (um) as a filler, and "bir şey diyeceğim" (I'll say
 * something) must not become "bir diyeceğim" (I say one). Asked again, a caller who hesitated
 * after the number ("bir ııı") can say or press it once more.
 */
const beforeFiller = (spoken: string[], number: Pattern, c: Compiled): boolean =>
  occurrences(spoken, number).some(([, end]) => {
    const next = spoken.slice(end);
    const startsWith = (p: Pattern): boolean => occurrences(next, p)[0]?.[0] === 0;
    // A filler that is also a key word is the number's case ending written apart ("bir e", "1 e").
    return c.fillers.some(startsWith) && !c.keyWords.some((k) => startsWith(k.words));
  });

/**
 * A key word pattern may hold the verb a condition, negation or question is made of (Turkish
 * 'bas*' matches 'basarsam', if I press, and 'basmıyorum', I don't press): whatever else the rest
 * says, a word that keeps a yes from being a yes keeps a number from being a key. Another numeral
 * beside it ("1 1", "0 1 7 6") makes it part of a longer number, a phone number or a count.
 */
const BLOCKING = new Set([
  'condition',
  'negator',
  'questionWord',
  'questionMarker',
  'uncertain',
  'addressee',
  'fragment',
  'no',
]);
const blocked = (rest: string[], c: Compiled): boolean =>
  rest.some((w) => /\p{N}/u.test(w)) || findHits(rest, c.lists).some((h) => BLOCKING.has(h.category));

const covers = (rest: string[], allowed: Array<{ words: Pattern }>): Set<number> => {
  const covered = new Set<number>();
  for (const word of allowed)
    for (const [start, end] of occurrences(rest, word.words))
      for (let i = start; i < end; i += 1) covered.add(i);
  return covered;
};

/**
 * Nothing but key words and courtesy; a yes phrase a key-word pattern also matches is no key word,
 * while a yes word inside a courtesy phrase is that courtesy ("iyi" in "iyi günler bir").
 */
const onlyKeyWords = (rest: string[], c: Compiled): boolean => {
  const inYes = covers(rest, c.lists.yes);
  const inCourtesy = covers(rest, c.lists.courtesy);
  const covered = [...covers(rest, c.keyWords)].filter((i) => !inYes.has(i));
  return new Set([...covered, ...inCourtesy]).size === rest.length;
};

/**
 * Key words and yes phrases, at least one key word outside the yes phrases (the key-word pattern
 * 'bas*' also matches the yes 'başüstüne', which says nothing about pressing), and nothing of any
 * list that is not a yes.
 */
function yesAndKeyWords(rest: string[], c: Compiled): boolean {
  const inYes = covers(rest, c.lists.yes);
  if (![...covers(rest, c.keyWords)].some((i) => !inYes.has(i))) return false;
  if (covers(rest, [...c.keyWords, ...c.lists.courtesy, ...c.lists.yes]).size !== rest.length) return false;
  const granting = new Set(['yes', 'courtesy', 'topic']);
  return findHits(rest, c.lists).every((h) => granting.has(h.category));
}
