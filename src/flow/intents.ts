import { z } from 'zod';

export type Intent = 'yes' | 'no' | 'info' | 'withdraw' | 'agent' | 'minor' | 'language' | 'unclear';

export interface Lexicon {
  yes: string[];
  no: string[];
  info: string[];
  withdraw: string[];
  agent: string[];
  minor: string[];
  negators: string[];
  uncertain: string[];
  fillers: string[];
  hints: string[];
}

export interface GatherInput {
  digits?: string;
  speech?: string;
  confidence?: number;
}

export interface Classification {
  intent: Intent;
  via: 'dtmf' | 'speech' | 'none';
  reason: string;
}

export interface ClassifyOptions {
  minConfidence: number;
}

const phrases = z.array(z.string().trim().min(1)).default([]);
const lexiconSchema = z.object({
  yes: z.array(z.string().trim().min(1)).min(1),
  no: z.array(z.string().trim().min(1)).min(1),
  info: phrases,
  withdraw: phrases,
  agent: phrases,
  minor: phrases,
  negators: phrases,
  uncertain: phrases,
  fillers: phrases,
  hints: phrases,
});

export function parseLexicon(json: unknown): Lexicon {
  const parsed = lexiconSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new Error(`lexicon: "${first?.path.join('.') || '(root)'}" ${first?.message ?? 'is invalid'}`);
  }
  return parsed.data;
}

const DIGITS: Record<string, Intent> = {
  '1': 'yes',
  '2': 'no',
  '9': 'info',
  '0': 'withdraw',
  '7': 'minor',
  '8': 'language',
};

/**
 * Lower case, no punctuation, diacritics folded (Turkish dotted and dotless i fold to i first, so
 * "HAYIR", "hayır" and "hayir" are one word), whitespace collapsed.
 */
export function normalize(text: string): string {
  return text
    .replace(/İ/g, 'i')
    .replace(/I/g, 'i')
    .toLowerCase()
    .replace(/ı/g, 'i')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .replace(/['’`´]/g, ' ')
    .replace(/[^\p{L}\p{N}\s*]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

interface Match {
  phrase: string;
  start: number; // word index
  end: number;
}

/** A lexicon word ending in `*` is a stem: "temsilci*" matches "temsilciye" (languages that inflect by suffix). */
const wordMatches = (word: string, pattern: string): boolean =>
  pattern.endsWith('*') ? word.startsWith(pattern.slice(0, -1)) : word === pattern;

/** Finds each phrase at word boundaries; word positions let negation look at what comes right before. */
function findAll(words: string[], list: string[]): Match[] {
  const found: Match[] = [];
  for (const raw of list) {
    const phrase = normalize(raw).split(' ').filter(Boolean);
    if (phrase.length === 0) continue;
    for (let i = 0; i + phrase.length <= words.length; i += 1) {
      if (phrase.every((p, j) => wordMatches(words[i + j] as string, p)))
        found.push({ phrase: phrase.join(' '), start: i, end: i + phrase.length });
    }
  }
  return found;
}

const overlaps = (a: Match, b: Match): boolean => a.start < b.end && b.start < a.end;

/**
 * Intent of one answer. Pure: keys first, then words. A yes needs a yes phrase with no negation
 * before it, no no-phrase beside it, no hesitation and a confident recognition; anything short of
 * that is not consent.
 */
export function classify(input: GatherInput, lexicon: Lexicon, options: ClassifyOptions): Classification {
  const digits = input.digits?.trim();
  if (digits) {
    const intent = DIGITS[digits];
    return intent
      ? { intent, via: 'dtmf', reason: `key ${digits}` }
      : { intent: 'unclear', via: 'dtmf', reason: `key ${digits} has no meaning here` };
  }
  const speech = input.speech?.trim();
  if (!speech) return { intent: 'unclear', via: 'none', reason: 'no input (silence)' };
  if (input.confidence !== undefined && input.confidence < options.minConfidence) {
    return {
      intent: 'unclear',
      via: 'speech',
      reason: `recognition confidence ${input.confidence} below ${options.minConfidence}`,
    };
  }
  const fillers = new Set(lexicon.fillers.map(normalize));
  const words = normalize(speech)
    .split(' ')
    .filter((w) => w && !fillers.has(w));
  if (words.length === 0) return { intent: 'unclear', via: 'speech', reason: 'only filler words' };

  for (const intent of ['agent', 'withdraw', 'minor', 'info'] as const) {
    const hit = findAll(words, lexicon[intent])[0];
    if (hit) return { intent, via: 'speech', reason: `speech matched ${intent} phrase '${hit.phrase}'` };
  }

  const negators = findAll(words, lexicon.negators);
  const uncertainHits = findAll(words, lexicon.uncertain);
  const uncertain = uncertainHits[0];
  const allYes = findAll(words, lexicon.yes);
  const allNo = findAll(words, lexicon.no);
  // Where a yes and a no phrase overlap, the longer one is what was said: "nicht einverstanden" is
  // a no, "sorun yok" (no problem) a yes; on a tie the no wins. A yes inside a hesitation
  // ("nicht sicher", "not sure") is no yes at all.
  const longer = (a: Match, b: Match): boolean => a.end - a.start > b.end - b.start;
  const noHits = allNo.filter((n) => !allYes.some((y) => overlaps(n, y) && longer(y, n)));
  const yesHits = allYes.filter(
    (y) => !noHits.some((n) => overlaps(n, y)) && !uncertainHits.some((u) => overlaps(u, y)),
  );

  if (yesHits.length > 0) {
    const negated = yesHits.find((y) =>
      negators.some((n) => n.end <= y.start && y.start - n.end <= 3 && !overlaps(n, y)),
    );
    if (negated)
      return { intent: 'no', via: 'speech', reason: `negation before yes phrase '${negated.phrase}'` };
    if (noHits.length > 0)
      return {
        intent: 'unclear',
        via: 'speech',
        reason: `mixed answer: '${yesHits[0]!.phrase}' and '${noHits[0]!.phrase}'`,
      };
    if (uncertain)
      return { intent: 'unclear', via: 'speech', reason: `hesitation '${uncertain.phrase}' next to a yes` };
    return { intent: 'yes', via: 'speech', reason: `speech matched yes phrase '${yesHits[0]!.phrase}'` };
  }
  if (noHits.length > 0)
    return { intent: 'no', via: 'speech', reason: `speech matched no phrase '${noHits[0]!.phrase}'` };
  if (uncertain) return { intent: 'unclear', via: 'speech', reason: `hesitation '${uncertain.phrase}'` };
  return { intent: 'unclear', via: 'speech', reason: 'no known phrase' };
}
