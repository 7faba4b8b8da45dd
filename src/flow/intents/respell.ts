import { words as toWords } from '../normalize';

/**
 * A lexicon's `respellings`, folded: one spoken word to the words it stands for. Recognisers and
 * the people who type their output drop apostrophes ("dont", "im", "thats") or write a word as it
 * was misheard; respelt before matching, "i dont agree" meets the negator of "i don't agree"
 * without every phrase being listed twice.
 */
export type Respellings = ReadonlyMap<string, string[]>;

export function compileRespellings(source: Readonly<Record<string, string>>): Respellings {
  const map = new Map<string, string[]>();
  for (const [from, to] of Object.entries(source)) {
    const [word] = toWords(from);
    if (word) map.set(word, toWords(to));
  }
  return map;
}

/** The words with every listed spelling replaced by what it stands for. */
export const respell = (words: string[], respellings: Respellings): string[] =>
  respellings.size === 0 ? words : words.flatMap((w) => respellings.get(w) ?? [w]);
