import { z } from 'zod';
import { normalize, words as toWords } from './normalize';

export { normalize } from './normalize';

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

// ---------------------------------------------------------------------------------------------
// Lexicon files

const phrase = z.string().refine((s) => toWords(s).some((w) => w.replace(/\*/g, '') !== ''), {
  message: 'must contain at least one word (punctuation and wildcards alone match nothing)',
});
const list = z.array(phrase);
// An empty yes, no or negator list would not fail loudly: it would silently turn every answer into
// "unclear" or, worse for negators, let "nicht einverstanden" through as a yes.
const required = list.min(1, { message: 'must list at least one phrase' });

const lexiconSchema = z
  .object({
    yes: required,
    no: required,
    info: list,
    withdraw: list,
    agent: list,
    minor: list,
    negators: required,
    uncertain: list,
    fillers: list,
    // Twilio takes hints as one comma-separated string, so a comma inside a hint would split it.
    hints: z.array(
      z
        .string()
        .trim()
        .min(1)
        .max(100)
        .refine((s) => !s.includes(','), 'must not contain a comma'),
    ),
  })
  // A misspelt key ("negator") would otherwise be dropped without a word and leave its list empty.
  .strict();

/** Validates a lexicon file's JSON; the error names every bad key, e.g. `"yes": must list ...`. */
export function parseLexicon(json: unknown): Lexicon {
  const parsed = lexiconSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const keys =
        issue.code === 'unrecognized_keys' ? issue.keys : [issue.path.map(String).join('.') || '(root)'];
      const message =
        issue.code === 'unrecognized_keys'
          ? 'is not a lexicon key'
          : issue.code === 'invalid_type' && issue.input === undefined
            ? 'is missing'
            : issue.message;
      return keys.map((k) => `"${k}" ${message}`).join('; ');
    });
    throw new Error(`lexicon: ${problems.join('; ')}`);
  }
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------
// Keys

const DIGITS: Readonly<Record<string, Intent>> = {
  '1': 'yes',
  '2': 'no',
  '9': 'info',
  '0': 'withdraw',
  '7': 'minor',
  '8': 'language',
};

// ---------------------------------------------------------------------------------------------
// Words

type Category = 'yes' | 'no' | 'info' | 'withdraw' | 'agent' | 'minor' | 'uncertain' | 'negator';
type Pattern = string[];

interface Compiled {
  fillers: Pattern[];
  lists: Record<Category, Array<{ text: string; words: Pattern }>>;
}

interface Hit {
  category: Category;
  phrase: string;
  start: number; // index of the first word
  end: number; // one past the last word
}

// Fillers are dropped from lexicon phrases as from speech, or "I don't think so" could never match
// once the "so" of the caller's words is gone.
const compile = (list: string[], fillers: Pattern[]): Array<{ text: string; words: Pattern }> =>
  list
    .map((text) => ({
      text: normalize(text).replace(/\*/g, ''),
      words: withoutFillers(toWords(text), fillers),
    }))
    .filter((p) => p.words.length > 0);

// A lexicon is read once at start and classified against on every webhook; normalising its few
// hundred phrases once per lexicon object keeps classify cheap without giving up purity.
const cache = new WeakMap<Lexicon, Compiled>();
function compiled(lexicon: Lexicon): Compiled {
  let c = cache.get(lexicon);
  if (!c) {
    const fillers = lexicon.fillers.map(toWords).filter((f) => f.length > 0);
    c = {
      fillers,
      lists: {
        yes: compile(lexicon.yes, fillers),
        no: compile(lexicon.no, fillers),
        info: compile(lexicon.info, fillers),
        withdraw: compile(lexicon.withdraw, fillers),
        agent: compile(lexicon.agent, fillers),
        minor: compile(lexicon.minor, fillers),
        uncertain: compile(lexicon.uncertain, fillers),
        negator: compile(lexicon.negators, fillers),
      },
    };
    cache.set(lexicon, c);
  }
  return c;
}

/**
 * One lexicon word against one spoken word. A `*` marks a stem for languages that inflect with
 * suffixes: "temsilci*" also matches "temsilciye", "*miyor*" any word containing the Turkish
 * negative "-mıyor-" ("istemiyorum", "onaylamıyorum"), "*mez" any word ending in it ("istemez").
 */
function wordMatches(word: string, pattern: string): boolean {
  const head = pattern.startsWith('*');
  const tail = pattern.endsWith('*');
  if (!head && !tail) return word === pattern;
  const core = pattern.slice(head ? 1 : 0, tail ? -1 : undefined);
  if (core === '') return false;
  if (head && tail) return word.includes(core);
  return head ? word.endsWith(core) : word.startsWith(core);
}

function occurrences(words: string[], pattern: Pattern): number[] {
  const starts: number[] = [];
  for (let i = 0; i + pattern.length <= words.length; i += 1) {
    if (pattern.every((p, j) => wordMatches(words[i + j] as string, p))) starts.push(i);
  }
  return starts;
}

/** Drops filler words and filler phrases ("äh", "you know") so they cannot sit between a negator and a yes. */
function withoutFillers(words: string[], fillers: Pattern[]): string[] {
  const drop = new Set<number>();
  for (const filler of fillers) {
    for (const start of occurrences(words, filler)) {
      for (let i = start; i < start + filler.length; i += 1) drop.add(i);
    }
  }
  return words.filter((_, i) => !drop.has(i));
}

const length = (h: Hit): number => h.end - h.start;
const overlaps = (a: Hit, b: Hit): boolean => a.start < b.end && b.start < a.end;

/**
 * Where two phrases overlap, the longer one is what was said: "nicht einverstanden" is a no and not
 * a yes, "nicht sicher" a hesitation and not "sicher", "talk to a human" one request and not two.
 * On equal length both stay, so the answer reads as mixed. A yes is held to more: it only shadows a
 * phrase it wholly contains ("no problem" the "no", "warum nicht" the "warum"), so "go for it, it
 * depends" keeps its hesitation; and it never shadows a request for a person, a withdrawal or an
 * age statement, which must get through even inside words that also sound like consent.
 */
function resolveOverlaps(hits: Hit[]): Hit[] {
  const protectedFromYes = new Set<Category>(['agent', 'withdraw', 'minor']);
  const contains = (outer: Hit, inner: Hit): boolean => outer.start <= inner.start && inner.end <= outer.end;
  const shadows = (g: Hit, h: Hit): boolean => {
    if (g === h || g.category === 'negator' || h.category === 'negator' || length(g) <= length(h))
      return false;
    if (g.category === 'yes') return !protectedFromYes.has(h.category) && contains(g, h);
    return overlaps(g, h);
  };
  return hits.filter((h) => !hits.some((g) => shadows(g, h)));
}

/** Words between two hits, or -1 when they overlap or are in the other order. */
const gap = (before: Hit, after: Hit): number => (before.end <= after.start ? after.start - before.end : -1);

/** How far a negator may stand before a yes and still govern it: "ich bin damit wirklich nicht einverstanden". */
const NEGATION_BEFORE = 3;
/** After a yes, a negator usually belongs to it: "passt nicht", "einverstanden bin ich nicht", "ça marche pas". */
const NEGATION_AFTER = 2;
/**
 * Tighter for requests than for a yes: a missed negation of a request only costs a detour, while a
 * request wrongly cancelled keeps a caller from a person ("I don't want a robot, I want a human").
 */
const NEGATION_BEFORE_REQUEST = 2;

const says = (h: Hit): string => `'${h.phrase}'`;

/**
 * Intent of one answer to a consent question. Pure: no I/O, same answer for the same input. A key
 * wins over words. Among words, a request for a person wins over everything, then a withdrawal, an
 * age statement, a question for information, and only then yes or no. Consent is never inferred:
 * a yes needs a yes phrase that is not negated, not beside a no, not hedged, not asked as a
 * question and heard with enough confidence; everything short of that is "unclear" or "no".
 */
export function classify(input: GatherInput, lexicon: Lexicon, options: ClassifyOptions): Classification {
  const digits = input.digits?.trim();
  if (digits) {
    const intent = DIGITS[digits];
    return intent
      ? { intent, via: 'dtmf', reason: `key ${digits} means ${intent}` }
      : { intent: 'unclear', via: 'dtmf', reason: `key ${digits} has no meaning here` };
  }

  const speech = input.speech?.trim() ?? '';
  if (speech === '') return { intent: 'unclear', via: 'none', reason: 'no key and no speech (silence)' };
  const { fillers, lists } = compiled(lexicon);
  const words = withoutFillers(toWords(speech), fillers);
  if (words.length === 0) return { intent: 'unclear', via: 'speech', reason: 'only filler words' };

  // The operator's threshold documents that a doubtful recognition is asked again whatever it seems
  // to say; a confidence that is not a number is as doubtful as a low one.
  const { confidence } = input;
  if (confidence !== undefined && !(confidence >= options.minConfidence)) {
    return {
      intent: 'unclear',
      via: 'speech',
      reason: `recognition confidence ${confidence} is below ${options.minConfidence}`,
    };
  }

  const all: Hit[] = [];
  for (const category of Object.keys(lists) as Category[]) {
    for (const { text, words: pattern } of lists[category]) {
      for (const start of occurrences(words, pattern)) {
        all.push({ category, phrase: text, start, end: start + pattern.length });
      }
    }
  }
  // Longest first, so the reason quotes the fullest phrase heard.
  const hits = resolveOverlaps(all).sort((a, b) => length(b) - length(a) || a.start - b.start);
  const of = (category: Category): Hit[] => hits.filter((h) => h.category === category);
  // A negator inside a phrase whose meaning already includes it ("no problem", "pas de souci",
  // "nicht volljährig") negates nothing else. Inside a no phrase it still does: in "ich will nicht
  // mit einem Menschen sprechen" the "nicht" of "ich will nicht" also refuses the person.
  const phrases = hits.filter((h) => h.category !== 'negator' && h.category !== 'no');
  const negators = of('negator').filter((n) => !phrases.some((c) => overlaps(c, n)));
  const noHits = of('no');
  // A negator that is a whole no answer by itself ("nein", "no") stands on its own: "nein, ich
  // will einen Menschen" asks for a person, and "nein ja" is mixed rather than a negated yes.
  const pureNegators = negators.filter((n) => !noHits.some((h) => h.start === n.start && h.end === n.end));

  for (const intent of ['agent', 'withdraw', 'minor', 'info'] as const) {
    for (const hit of of(intent)) {
      const before = pureNegators.find((n) => {
        const g = gap(n, hit);
        return g >= 0 && g <= NEGATION_BEFORE_REQUEST;
      });
      // Negation after the phrase is only trusted when it is a whole refusal ("temsilci
      // istemiyorum"); a bare "nicht"/"not" after it usually contrasts ("einen Menschen, nicht die
      // Maschine") and must not cancel a request for a person.
      const after = noHits.find((n) => {
        const g = gap(hit, n);
        return g >= 0 && g <= 1;
      });
      if (!before && !after) {
        return { intent, via: 'speech', reason: `speech matched ${intent} phrase ${says(hit)}` };
      }
    }
  }

  const uncertain = of('uncertain');
  const yesHits = of('yes').filter((y) => !uncertain.some((u) => overlaps(u, y)));

  if (yesHits.length > 0) {
    const yes = yesHits[0] as Hit;
    for (const y of yesHits) {
      const n = pureNegators.find((neg) => {
        const g = gap(neg, y);
        return g >= 0 && g <= NEGATION_BEFORE;
      });
      if (n)
        return {
          intent: 'no',
          via: 'speech',
          reason: `negation ${says(n)} before yes phrase ${says(y)} → no`,
        };
    }
    const no = noHits[0];
    if (no) {
      return {
        intent: 'unclear',
        via: 'speech',
        reason: `mixed answer: yes phrase ${says(yes)} and no phrase ${says(no)}`,
      };
    }
    for (const y of yesHits) {
      const n = pureNegators.find((neg) => {
        const g = gap(y, neg);
        return g >= 0 && g <= NEGATION_AFTER;
      });
      if (n)
        return {
          intent: 'no',
          via: 'speech',
          reason: `negation ${says(n)} after yes phrase ${says(y)} → no`,
        };
    }
    const doubt = uncertain[0];
    if (doubt) {
      return {
        intent: 'unclear',
        via: 'speech',
        reason: `hesitation ${says(doubt)} next to yes phrase ${says(yes)}`,
      };
    }
    // "Ja?" on the phone means "yes, what?", and "is that okay?" asks rather than answers.
    if (/[?¿]/.test(speech)) {
      return { intent: 'unclear', via: 'speech', reason: `yes phrase ${says(yes)} asked as a question` };
    }
    return { intent: 'yes', via: 'speech', reason: `speech matched yes phrase ${says(yes)}` };
  }

  const no = noHits[0];
  if (no) return { intent: 'no', via: 'speech', reason: `speech matched no phrase ${says(no)}` };
  const doubt = uncertain[0];
  if (doubt) return { intent: 'unclear', via: 'speech', reason: `hesitation ${says(doubt)}` };
  return { intent: 'unclear', via: 'speech', reason: 'no known phrase in the speech' };
}
