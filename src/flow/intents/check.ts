import { CATEGORIES, compiled, LEXICON_KEY, type Category } from './compiled';
import type { Lexicon } from './lexicon';
import { findHits, withoutFillers, type Hit } from './match';
import { respell } from './respell';
import { words as toWords } from '../normalize';

/** Lists none of whose phrases may occur inside a yes phrase. */
const NEVER_IN_YES: readonly Category[] = CATEGORIES.filter(
  (c) => !['yes', 'idiom', 'courtesy', 'object', 'topic'].includes(c),
);
/**
 * An idiom exists to hold a negator, a no word or a question word ("kein problem", "why not");
 * everything else that may never be in a yes may not be in an idiom either.
 */
const NEVER_IN_IDIOM: readonly Category[] = NEVER_IN_YES.filter(
  (c) => !['negator', 'no', 'info', 'questionWord'].includes(c),
);
/**
 * A verb-first question marker after an idiom's first word is the inverted statement of a
 * verb-second language ("damit bin ich einverstanden", "dem stimme ich zu"), not a question; the
 * same marker opening it ("bin ich einverstanden") still is one and is refused.
 */
const idiomMayHold = (h: Hit<Category>, words: string[]): boolean =>
  (h.category === 'questionMarker' && h.start > 0) || suffixInsideWord(h, words);
/**
 * A condition matched by a suffix pattern inside a word of a fixed idiom is that word, not the
 * suffix: Turkish "-rse" (if) ends English "of course", which Turkish callers say for yes. A
 * condition written as a word ("if", "ama") in an idiom is still refused.
 */
const suffixInsideWord = (h: Hit<Category>, words: string[]): boolean =>
  h.category === 'condition' && h.end - h.start === 1 && words[h.start] !== h.phrase;

/** Words allowed around a yes must not be anything that changes it. */
const NEVER_IN_COURTESY: readonly Category[] = NEVER_IN_YES;

/**
 * What `consent locales check` refuses in a lexicon because it could turn an answer that is not a
 * clear yes into a consent: a yes phrase that is also (or holds) a no, a negator, a condition, a
 * question, a hedge, a request, a person addressed; a courtesy word, filler or key word that is one
 * of those; a spoken key number for 1 that holds a negator. Each problem names the list and phrase.
 */
export function lexiconProblems(lexicon: Lexicon): string[] {
  const c = compiled(lexicon);
  const problems: string[] = [];
  const inside = (
    listName: string,
    list: Array<{ text: string; words: string[] }>,
    forbidden: readonly Category[],
    excused: (h: Hit<Category>, words: string[]) => boolean = () => false,
  ): void => {
    for (const phrase of list) {
      const words = phrase.words.filter((w) => w !== '...');
      const found = findHits(words, c.lists).filter(
        (h) => forbidden.includes(h.category) && !excused(h, words),
      );
      for (const h of found)
        problems.push(
          `"${listName}": '${phrase.text}' contains '${h.phrase}' from "${LEXICON_KEY[h.category]}", so it could grant consent to an answer that is not a yes`,
        );
    }
  };
  inside('yes', c.lists.yes, NEVER_IN_YES);
  inside('yesIdioms', c.lists.idiom, NEVER_IN_IDIOM, idiomMayHold);
  inside('courtesy', c.lists.courtesy, NEVER_IN_COURTESY);
  inside('yesObjects', c.lists.object, NEVER_IN_YES);
  // A stem would also match the object's negated forms ("kaydedilmemesine", that it not be
  // recorded), and an object said before a yes phrase becomes part of the consent.
  for (const text of lexicon.yesObjects ?? [])
    if (/\*|\.\.\./.test(text))
      problems.push(`"yesObjects": '${text}' holds a wildcard or a gap; list each object as it is said`);
  inside('keyWords', c.keyWords, NEVER_IN_COURTESY);
  for (const { digit, numbers } of c.keys) inside(`keys.${digit}`, numbers, NEVER_IN_COURTESY);
  // A filler is dropped before anything is matched, so a filler that is a negator or a condition
  // would silently turn "nicht einverstanden" back into a yes.
  const fillers = lexicon.fillers.map((text) => ({ text, words: respell(toWords(text), c.respellings) }));
  inside('fillers', fillers, [...NEVER_IN_YES, 'yes']);
  // A phrase that is nothing but fillers can never match: say so rather than let it sit there.
  for (const category of CATEGORIES) {
    const source = lexicon[LEXICON_KEY[category]];
    // A fragment may be a filler: "yani" and "I mean" at the end of "evet yani" cut a yes off.
    if (!Array.isArray(source) || category === 'fragment') continue;
    for (const text of source)
      if (withoutFillers(respell(toWords(text), c.respellings), c.fillers).length === 0)
        problems.push(`"${LEXICON_KEY[category]}": '${text}' consists of fillers only and can never match`);
  }
  problems.push(...respellingProblems(lexicon));
  return problems;
}

/**
 * A respelling rewrites what the caller said before anything is matched, so it must never make a
 * yes (only the yes lists may), and its word must not already mean something in a list: respelt,
 * that meaning would be gone ("nicht" → "nichts" would silently drop a negator).
 */
function respellingProblems(lexicon: Lexicon): string[] {
  const c = compiled(lexicon);
  // The lists as written, not respelt: what the word meant before it was rewritten.
  const asWritten = compiled({ ...lexicon, respellings: {} });
  const problems: string[] = [];
  for (const [from, to] of Object.entries(lexicon.respellings ?? {})) {
    const source = toWords(from);
    const meant = findHits(source, asWritten.lists).filter((h) => h.start === 0 && h.end === source.length);
    for (const h of meant)
      problems.push(
        `"respellings": '${from}' is itself '${h.phrase}' from "${LEXICON_KEY[h.category]}", so respelling it would change what it means`,
      );
    const target = respell(toWords(to), c.respellings);
    const granting = findHits(target, c.lists).filter((h) =>
      ['yes', 'idiom', 'courtesy'].includes(h.category),
    );
    for (const h of granting)
      problems.push(
        `"respellings": '${from}' becomes '${to}', which holds '${h.phrase}' from "${LEXICON_KEY[h.category]}": a respelling must never make a yes`,
      );
  }
  return problems;
}
