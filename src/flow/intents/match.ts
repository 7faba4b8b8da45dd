import { normalize, words as toWords } from '../normalize';
import { respell, type Respellings } from './respell';

/** A lexicon phrase as words; `*` marks a stem, `...` stands for up to {@link GAP} other words. */
export type Pattern = string[];

export interface Phrase {
  text: string;
  words: Pattern;
}

export interface Hit<C extends string = string> {
  category: C;
  phrase: string;
  start: number; // index of the first word
  end: number; // one past the last word
}

/**
 * How many words a `...` in a phrase may span: German and French put the particle of a separable
 * or compound verb after its object ("ich nehme meine Einwilligung zurück", "je reviens sur mon
 * accord"), and four words hold any object a caller says in one breath.
 */
const GAP = 4;
export const ELLIPSIS = '...';

/** The words of a lexicon phrase; `...` survives folding as its own word. */
function patternWords(text: string, respellings: Respellings): Pattern {
  return text
    .split(ELLIPSIS)
    .map((part) => respell(toWords(part), respellings))
    .flatMap((part, i) => (i === 0 ? part : [ELLIPSIS, ...part]));
}

/**
 * One lexicon word against one spoken word. A `*` marks a stem for languages that inflect with
 * suffixes: "temsilci*" also matches "temsilciye", "*miyor*" any word containing the Turkish
 * negative "-mıyor-" ("istemiyorum", "onaylamıyorum"), "*mez" any word ending in it ("istemez").
 */
export function wordMatches(word: string, pattern: string): boolean {
  const head = pattern.startsWith('*');
  const tail = pattern.endsWith('*');
  if (!head && !tail) return word === pattern;
  const core = pattern.slice(head ? 1 : 0, tail ? -1 : undefined);
  if (core === '') return false;
  if (head && tail) return word.includes(core);
  return head ? word.endsWith(core) : word.startsWith(core);
}

/** Where the pattern matches from `at`: the end index, or -1. A gap takes as few words as it can. */
function matchAt(words: string[], pattern: Pattern, at: number, p = 0): number {
  if (p === pattern.length) return at;
  const want = pattern[p] as string;
  if (want === ELLIPSIS) {
    for (let skip = 0; skip <= GAP && at + skip <= words.length; skip += 1) {
      const end = matchAt(words, pattern, at + skip, p + 1);
      if (end >= 0) return end;
    }
    return -1;
  }
  if (at >= words.length || !wordMatches(words[at] as string, want)) return -1;
  return matchAt(words, pattern, at + 1, p + 1);
}

/** Every place a pattern occurs, as [start, end). */
export function occurrences(words: string[], pattern: Pattern): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  for (let i = 0; i < words.length; i += 1) {
    const end = matchAt(words, pattern, i);
    if (end > i) found.push([i, end]);
  }
  return found;
}

/**
 * Drops filler words and filler phrases ("äh", "you know") so they cannot sit between a negator and
 * a yes. Not right after a number written in digits, though: there the apostrophe the folding
 * split off left a suffix ("15'im", I am 15, is "15 im"), which is no Turkish "ım" (um).
 */
export function withoutFillers(words: string[], fillers: Pattern[]): string[] {
  const drop = new Set<number>();
  for (const filler of fillers) {
    for (const [start, end] of occurrences(words, filler)) {
      if (start > 0 && /\p{N}/u.test(words[start - 1] as string)) continue;
      for (let i = start; i < end; i += 1) drop.add(i);
    }
  }
  return words.filter((_, i) => !drop.has(i));
}

// Fillers are dropped from lexicon phrases as from speech, or "I don't think so" could never match
// once the "so" of the caller's words is gone.
export const compile = (list: string[], fillers: Pattern[], respellings: Respellings): Phrase[] =>
  list
    .map((text) => ({
      text: normalize(text).replace(/\*/g, ''),
      words: withoutFillers(patternWords(text, respellings), fillers),
    }))
    .filter((p) => p.words.some((w) => w !== ELLIPSIS));

export const fillerPatterns = (fillers: string[], respellings: Respellings): Pattern[] =>
  fillers.map((f) => respell(toWords(f), respellings)).filter((f) => f.length > 0);

/**
 * The phrases of all lists by their first word, so a webhook (and the combinatorial test, which
 * classifies tens of thousands of answers) only tries the phrases that can start at each word.
 * Phrases that start with a wildcard are tried everywhere.
 */
interface PhraseIndex<C extends string> {
  byFirst: Map<string, Array<{ category: C; phrase: Phrase }>>;
  anywhere: Array<{ category: C; phrase: Phrase }>;
}
const indexes = new WeakMap<object, PhraseIndex<string>>();

function indexOf<C extends string>(lists: Record<C, Phrase[]>): PhraseIndex<C> {
  const cached = indexes.get(lists) as PhraseIndex<C> | undefined;
  if (cached) return cached;
  const index: PhraseIndex<C> = { byFirst: new Map(), anywhere: [] };
  for (const category of Object.keys(lists) as C[]) {
    for (const phrase of lists[category]) {
      const first = phrase.words[0] as string;
      if (first.includes('*') || first === ELLIPSIS) index.anywhere.push({ category, phrase });
      else index.byFirst.set(first, [...(index.byFirst.get(first) ?? []), { category, phrase }]);
    }
  }
  indexes.set(lists, index);
  return index;
}

/** Every occurrence of every phrase of the lists, tagged with its list's name. */
export function findHits<C extends string>(words: string[], lists: Record<C, Phrase[]>): Array<Hit<C>> {
  const { byFirst, anywhere } = indexOf(lists);
  const hits: Array<Hit<C>> = [];
  for (let start = 0; start < words.length; start += 1) {
    for (const { category, phrase } of [...(byFirst.get(words[start] as string) ?? []), ...anywhere]) {
      const end = matchAt(words, phrase.words, start);
      if (end > start) hits.push({ category, phrase: phrase.text, start, end });
    }
  }
  return hits;
}

export const length = (h: Hit): number => h.end - h.start;
export const overlaps = (a: Hit, b: Hit): boolean => a.start < b.end && b.start < a.end;
export const contains = (outer: Hit, inner: Hit): boolean =>
  outer.start <= inner.start && inner.end <= outer.end;
/** Words between two hits, or -1 when they overlap or are in the other order. */
export const gap = (before: Hit, after: Hit): number =>
  before.end <= after.start ? after.start - before.end : -1;
export const says = (h: Hit): string => `'${h.phrase}'`;
