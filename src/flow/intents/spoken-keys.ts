import type { Compiled } from './compiled';
import { occurrences } from './match';

/**
 * A caller who says the key's number ("eins", "one", "bir", "un") instead of pressing it means
 * that key, but only when the number is all they said, give or take words about pressing it ("die
 * eins", "press one", "bir tuşu", "la touche un"): "one moment" and "bir sorum var" are not keys.
 */
export function spokenKey(words: string[], c: Compiled): { digit: string; number: string } | undefined {
  if (words.length === 0) return undefined;
  for (const { digit, numbers } of c.keys) {
    for (const number of numbers) {
      for (const [start, end] of occurrences(words, number.words)) {
        const rest = [...words.slice(0, start), ...words.slice(end)];
        if (onlyKeyWords(rest, c)) return { digit, number: number.text };
      }
    }
  }
  return undefined;
}

function onlyKeyWords(rest: string[], c: Compiled): boolean {
  const allowed = [...c.keyWords, ...c.lists.courtesy];
  const covered = new Set<number>();
  for (const word of allowed)
    for (const [start, end] of occurrences(rest, word.words))
      for (let i = start; i < end; i += 1) covered.add(i);
  return covered.size === rest.length;
}
