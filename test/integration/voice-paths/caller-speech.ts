/** What callers say, taken from each locale's lexicon and intent corpus rather than written here. */
import fs from 'node:fs';
import { words } from '../../../src/flow/normalize';
import { CORPUS_DIR, LEXICONS, type LexiconFile, ownOrLanguage } from './locales-and-operator';

/** Lexicon word against spoken word, with the lexicon's `*` stem marks. */
export function wordMatches(word: string, pattern: string): boolean {
  const head = pattern.startsWith('*');
  const tail = pattern.endsWith('*');
  const core = pattern.replace(/^\*|\*$/g, '');
  if (core === '') return false;
  if (head && tail) return word.includes(core);
  if (head) return word.endsWith(core);
  if (tail) return word.startsWith(core);
  return word === pattern;
}

/** Word spans [start, end) where `phrase` occurs in `spoken`. */
export function spans(spoken: string[], phrase: string): Array<[number, number]> {
  const pattern = words(phrase);
  const out: Array<[number, number]> = [];
  if (pattern.length === 0) return out;
  for (let i = 0; i + pattern.length <= spoken.length; i += 1)
    if (pattern.every((p, j) => wordMatches(spoken[i + j] as string, p))) out.push([i, i + pattern.length]);
  return out;
}

/**
 * A yes that is negated, in the locale's own words: the first utterance of the locale's intent
 * corpus labelled "no" that holds a yes phrase and, apart from it, a negator ("ich bin nicht
 * einverstanden"). Without a corpus, a negator put before the first yes phrase of the lexicon.
 */
export function negatedYes(lng: string): { text: string; fromCorpus: boolean } {
  const lex = LEXICONS[lng] as LexiconFile;
  const file = ownOrLanguage(CORPUS_DIR, lng, '.json');
  if (fs.existsSync(file)) {
    const corpus = JSON.parse(fs.readFileSync(file, 'utf8')) as Array<{
      text: string;
      intent: string;
      confidence: number;
    }>;
    for (const entry of corpus) {
      if (entry.intent !== 'no' || entry.confidence < 0.5) continue;
      const spoken = words(entry.text);
      const yes = lex.yes.flatMap((p) => spans(spoken, p));
      const negators = lex.negators.flatMap((p) => spans(spoken, p));
      const negated = yes.some(([ys, ye]) => negators.some(([ns, ne]) => ne <= ys || ns >= ye));
      if (negated) return { text: entry.text, fromCorpus: true };
    }
  }
  const negator = lex.negators.find((n) => !n.includes('*') && !lex.no.includes(n)) ?? lex.negators[0];
  return { text: `${negator} ${lex.yes[0]}`, fromCorpus: false };
}

/** The locale's first plain request for a person ("human", "Mensch", "humain", "insan"). */
export const agentPhrase = (lng: string): string => {
  const phrase = (LEXICONS[lng] as LexiconFile).agent.find((p) => !p.includes('*'));
  if (!phrase) throw new Error(`${lng}/lexicon.json has no agent phrase without a wildcard`);
  return phrase;
};
