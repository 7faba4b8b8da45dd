import { ELLIPSIS, wordMatches, type Phrase } from './match';

/**
 * What the lexicon knows, to repair what a recogniser broke: the exact words of every phrase, the
 * stems ('temsilci*', '*miyor*') and, for the dropped-letter repair, each long known word under
 * every spelling with one letter left out.
 */
export interface Vocabulary {
  words: ReadonlySet<string>;
  stems: readonly string[];
  dropped: ReadonlyMap<string, readonly string[]>;
}

/** Shorter words lose a letter into another word too easily ("sue" is no "sure"). */
const MIN_DROPPED = 6;

export function vocabularyOf(lists: Iterable<Phrase[]>): Vocabulary {
  const words = new Set<string>();
  const stems = new Set<string>();
  for (const list of lists)
    for (const phrase of list)
      for (const w of phrase.words) {
        if (w === ELLIPSIS) continue;
        if (w.includes('*')) stems.add(w);
        else words.add(w);
      }
  const dropped = new Map<string, string[]>();
  for (const w of words) {
    if (w.length <= MIN_DROPPED || /\p{N}/u.test(w)) continue;
    const seen = new Set<string>();
    // Inside the word only: a first or last letter more or less is another word or another ending
    // ("kayıtlar", records, is no "kayıtları", the records as an object).
    for (let i = 1; i < w.length - 1; i += 1) {
      const short = w.slice(0, i) + w.slice(i + 1);
      if (seen.has(short)) continue;
      seen.add(short);
      dropped.set(short, [...(dropped.get(short) ?? []), w]);
    }
  }
  return { words, stems: [...stems], dropped };
}

/** A repair keeps every stem the word matched: 'onay*' in "onaylıyorumm", '*miyor*' in a negation. */
const keepsStems = (v: Vocabulary, from: string, to: string): boolean =>
  v.stems.every((s) => !wordMatches(from, s) || wordMatches(to, s));

/** "tamamm", "evettt", "onaylıyorumm": a letter held too long by the speaker or the recogniser. */
const held = (word: string): string => word.replace(/(\p{L})\1+/gu, '$1');

/**
 * Recogniser damage the lexicon cannot list word by word, undone where only one reading fits:
 * a word split in two ("kabul edi yorum", "onay lıyorum", "izin vermi yorum") is joined when the
 * joined word is known and a half is not; a word with a letter held ("tamamm") or one letter
 * dropped ("onaylyorum", "ediyrum") becomes the one known word it can be. Only words the lexicon
 * does not list as they are are touched, and a repair keeps every stem the word matched, so nothing
 * it matches changes meaning; a repair may as well yield a negation ("kabul etmi yorum" is "kabul
 * etmiyorum"), which then refuses as said.
 */
export function repair(words: string[], v: Vocabulary): string[] {
  const out: string[] = [];
  for (const word of words) {
    const prev = out[out.length - 1];
    if (prev !== undefined && (!v.words.has(word) || !v.words.has(prev)) && v.words.has(prev + word)) {
      out[out.length - 1] = prev + word;
      continue;
    }
    out.push(word);
  }
  return out.map((w) => {
    if (v.words.has(w) || /\p{N}/u.test(w)) return w;
    const h = held(w);
    // Both repairs may fit one word, with opposite meanings: "onaylaayacağım" is "onaylayacağım"
    // held or "onaylamayacağım" (will not) without its m. Then nothing is repaired.
    const readings = new Set([...(h !== w && v.words.has(h) ? [h] : []), ...(v.dropped.get(w) ?? [])]);
    const only = readings.size === 1 ? [...readings][0] : undefined;
    return only !== undefined && keepsStems(v, w, only) ? only : w;
  });
}
