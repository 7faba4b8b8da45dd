import { z } from 'zod';
import { words as toWords } from '../normalize';

/**
 * One locale's words. `yes` and `yesIdioms` are the only phrases that can ever make a consent, and
 * only when they (with fillers and courtesy words) are the whole utterance; every other list either
 * names another intent or exists so that `consent locales check` and the combinatorial test can
 * prove that none of its words ever slips into a yes.
 */
export interface Lexicon {
  yes: string[];
  /** Fixed phrases that mean yes although they hold a negator or a question word ("kein problem"). */
  yesIdioms: string[];
  /** Words that may stand next to a yes without changing it ("bitte", "danke", "please", "lütfen"). */
  courtesy: string[];
  /**
   * What a caller consents to (or who does), said right before the yes phrase that takes it, as a
   * verb-final language puts its object and subject: "sesimin" + "kaydedilmesine izin veriyorum",
   * "ben de" + "kabul ediyorum". Only before a yes phrase do they count; alone, after a yes ("evet
   * ben de", cut off) or before anything else they are words no list knows.
   */
  yesObjects: string[];
  no: string[];
  info: string[];
  withdraw: string[];
  agent: string[];
  minor: string[];
  negators: string[];
  /** Hedges: "vielleicht", "I guess", "galiba", "bof". */
  uncertain: string[];
  /** "wenn", "but", "ama", "mais": whatever follows is a condition on the yes. */
  conditions: string[];
  /** Interrogative words ("wer", "how long", "kim", "combien"): recognisers give no "?". */
  questionWords: string[];
  /** Other question forms: verb-first openings, inversion, "est-ce que", particles ("mı", "oder"). */
  questionMarkers: string[];
  /** People addressed in the room ("schatz", "honey", "canım", "chéri"). */
  addressees: string[];
  /** Openings of a sentence that was cut off ("i would like to", "ich möchte"), for the tests. */
  fragments: string[];
  /** What a question is about when it asks for information: data, recording, storage. */
  topics: string[];
  /** Spoken key numbers: `{"1": ["eins"], "0": ["null"]}`. */
  keys: Record<string, string[]>;
  /** Words allowed around a spoken key number ("taste", "press", "tuşu", "touche"). */
  keyWords: string[];
  fillers: string[];
  /**
   * One spoken word to what it stands for, applied to the speech and the phrases alike: dropped
   * apostrophes ("dont": "don't", "im": "i'm") and misheard spellings ("evett": "evet").
   */
  respellings: Record<string, string>;
  hints: string[];
}

const phrase = z.string().refine((s) => toWords(s).some((w) => w.replace(/[*.]/g, '') !== ''), {
  message: 'must contain at least one word (punctuation and wildcards alone match nothing)',
});
const list = z.array(phrase);
// Lists added after the first lexicons shipped default to empty, so an operator's older file still
// loads; the lists every answer depends on must not be empty.
const optional = list.default([]);
// An empty yes, no or negator list would not fail loudly: it would silently turn every answer into
// "unclear" or, worse for negators, let "nicht einverstanden" through as a yes.
const required = list.min(1, { message: 'must list at least one phrase' });

const KEY_DIGITS = ['0', '1', '2', '7', '8', '9'] as const;

const lexiconSchema = z
  .object({
    yes: required,
    yesIdioms: optional,
    courtesy: optional,
    yesObjects: optional,
    no: required,
    info: list,
    withdraw: list,
    agent: list,
    minor: list,
    negators: required,
    uncertain: list,
    conditions: optional,
    questionWords: optional,
    questionMarkers: optional,
    addressees: optional,
    fragments: optional,
    topics: optional,
    keys: z
      .partialRecord(z.enum(KEY_DIGITS), list)
      .default({})
      .transform((keys): Record<string, string[]> => ({ ...keys })),
    keyWords: optional,
    fillers: list,
    respellings: z
      .record(
        z.string().refine((s) => toWords(s).length === 1 && !s.includes('*'), 'must be one word'),
        phrase.refine((s) => !s.includes('*'), 'must not hold a wildcard'),
      )
      .default({}),
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
