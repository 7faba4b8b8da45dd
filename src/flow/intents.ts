import { compiled, type Category } from './intents/compiled';
import { type Lexicon } from './intents/lexicon';
import {
  contains,
  findHits,
  gap,
  length,
  occurrences,
  overlaps,
  says,
  withoutFillers,
  type Hit,
  type Pattern,
} from './intents/match';
import { repair } from './intents/repair';
import { respell } from './intents/respell';
import { inQuestion, withdrawalAskedOnly } from './intents/asked-only';
import { spokenKey } from './intents/spoken-keys';
import { namesTheAssistant, wholeYes, wholeYesAfter } from './intents/whole-yes';
import { words as toWords } from './normalize';

export { normalize } from './normalize';
export { parseLexicon, type Lexicon } from './intents/lexicon';

export type Intent = 'yes' | 'no' | 'info' | 'withdraw' | 'agent' | 'minor' | 'language' | 'unclear';

export interface GatherInput {
  digits?: string;
  speech?: string;
  confidence?: number;
}

export interface Classification {
  intent: Intent;
  via: 'dtmf' | 'speech' | 'none';
  /** The rule that decided and the words it decided on, for the ledger and the auditor. */
  reason: string;
}

export interface ClassifyOptions {
  minConfidence: number;
}

const DIGITS: Readonly<Record<string, Intent>> = {
  '1': 'yes',
  '2': 'no',
  '9': 'info',
  '0': 'withdraw',
  '7': 'minor',
  '8': 'language',
};

type Found = Hit<Category>;
const isYes = (h: Found): boolean => h.category === 'yes' || h.category === 'idiom';

const MAX_WORDS = 60;

/**
 * Where two phrases overlap, the longer one is what was said: "nicht einverstanden" is a no and not
 * a yes, "nicht sicher" a hesitation and not "sicher", "talk to a human" one request and not two.
 * On equal length both stay, so the answer reads as mixed. A yes is held to more: it only shadows a
 * phrase it wholly contains ("no" in "no problem"), and never a request for a person, a withdrawal
 * or an age statement, which must get through even inside words that also sound like consent.
 */
function resolveOverlaps(hits: Found[], words: string[]): Found[] {
  const protectedFromYes = new Set<Category>(['agent', 'withdraw', 'minor']);
  // A refusal listed word for word outranks a request stem that matches the same words: Turkish
  // negates inside the verb, so the stem 'vazgeç*' (give up) also matches 'vazgeçmiyorum' (I am
  // not giving up), which the no list names as it is said. So does a refusal stem that carries the
  // request's stem on into its negative suffix ('vazgeçmed*' over 'vazgeç*' in 'vazgeçmedim'):
  // every tense of the negated verb then refuses without being listed.
  const verbatim = (h: Found): boolean => h.phrase === words.slice(h.start, h.end).join(' ');
  const refines = (g: Found, h: Found): boolean =>
    g.phrase.length > h.phrase.length && g.phrase.startsWith(h.phrase);
  const refusesStem = (g: Found, h: Found): boolean =>
    g.category === 'no' &&
    (h.category === 'withdraw' || h.category === 'agent' || h.category === 'info') &&
    g.start === h.start &&
    g.end === h.end &&
    (verbatim(g) || refines(g, h)) &&
    !verbatim(h);
  // "onayımı geri çekmedim", "geri çekmeli miyim": a refusal or a hedge that starts inside a
  // withdrawal and runs on past its end reads the verb's own ending (not, should I), which the
  // withdrawal phrase stopped short of; the verb is refused or wondered about, not asked for.
  const readsItsEnding = (g: Found, h: Found): boolean =>
    (g.category === 'no' || g.category === 'uncertain') &&
    h.category === 'withdraw' &&
    h.start < g.start &&
    g.start < h.end &&
    g.end > h.end;
  const shadows = (g: Found, h: Found): boolean => {
    if (g !== h && (refusesStem(g, h) || readsItsEnding(g, h))) return true;
    if (g === h || g.category === 'negator' || h.category === 'negator' || length(g) <= length(h))
      return false;
    if (isYes(g)) return !protectedFromYes.has(h.category) && contains(g, h);
    return overlaps(g, h);
  };
  return hits.filter((h) => !hits.some((g) => shadows(g, h)));
}

/** How far a negator may stand before a yes and still govern it: "ich bin damit wirklich nicht einverstanden". */
const NEGATION_BEFORE = 3;
/** After a yes, a negator usually belongs to it: "passt nicht", "einverstanden bin ich nicht", "ça marche pas". */
const NEGATION_AFTER = 2;
/**
 * Tighter for requests than for a yes: a missed negation of a request only costs a detour, while a
 * request wrongly cancelled keeps a caller from a person ("I don't want a robot, I want a human").
 */
const NEGATION_BEFORE_REQUEST = 2;
/**
 * An age is only negated right before it ("not under 16"); "my mom's not home, I'm thirteen" is a
 * child, whatever negator the sentence before held.
 */
const NEGATION_BEFORE_AGE = 0;

/** What kind of word kept a yes from being a yes, in the words of the reason. */
const BLOCKER_NAME: Partial<Record<Category, string>> = {
  condition: 'condition',
  questionWord: 'question',
  questionMarker: 'question',
  uncertain: 'hedge',
  addressee: 'someone addressed',
  fragment: 'unfinished sentence',
  negator: 'negation',
};

const speechResult = (intent: Intent, reason: string): Classification => ({ intent, via: 'speech', reason });

/**
 * Intent of one answer to a consent question. Pure: no I/O, same answer for the same input. A key
 * wins over words, a spoken key number ("eins") counts as its key. Among words, a request for a
 * person wins over everything, then a withdrawal, an age statement, a question for information.
 * Consent is never inferred: a yes needs an utterance that is nothing but yes phrases, fillers and
 * courtesy words, heard with a confidence at or above the threshold; everything short of that is
 * "unclear" (asked again) or "no".
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
  const c = compiled(lexicon);
  const spoken = repair(respell(toWords(speech), c.respellings), c.vocabulary);
  const words = withoutFillers(spoken, c.fillers);
  if (words.length === 0) return speechResult('unclear', 'only filler words');
  // An answer is a few words; a recogniser that returns a speech runs into the hundreds of words is
  // not answering, and matching it whole would let one webhook burn the CPU.
  if (words.length > MAX_WORDS)
    return speechResult('unclear', `${words.length} words are not an answer (at most ${MAX_WORDS})`);

  // The operator's threshold documents that a doubtful recognition is asked again whatever it seems
  // to say; a confidence that is missing or not a number is as doubtful as a low one.
  const { confidence } = input;
  if (!(typeof confidence === 'number' && confidence >= options.minConfidence)) {
    const heard = typeof confidence === 'number' && !Number.isNaN(confidence) ? confidence : 'missing';
    return speechResult(
      'unclear',
      `low confidence: recognition confidence ${heard} is below ${options.minConfidence}, asked again`,
    );
  }

  const raw = findHits(words, c.lists);
  // "Ja?" on the phone means "yes, what?"; a recogniser that does punctuate is believed.
  const asked = /[?¿]/.test(speech);
  const whole = wholeYes(raw, words.length);
  // Irish "grand so" ends in a yes phrase that ends in the fragment: it was said to the end.
  // A hesitation after the last word leaves the sentence as unfinished as before ("okay so um"),
  // so the end is looked for before and after each filler it ends in ("so" is both).
  const ends = trailingFillersOff(spoken, c.fillers);
  const endsInYes = (said: string[], start: number): boolean =>
    c.writtenYes.some((y) => occurrences(said, y.words).some(([s, e]) => e === said.length && s <= start));
  const cutOff = c.trailing.find((f) =>
    ends.some((said) =>
      occurrences(said, f.words).some(([start, end]) => end === said.length && !endsInYes(said, start)),
    ),
  );
  const key = spokenKey(words, spoken, c, (digit) => DIGITS[digit] === 'yes');
  // "1 so" or "eins also" may be the start of "one, so what ...": cut off, it is no yes key either.
  if (key && DIGITS[key.digit] === 'yes' && cutOff)
    return speechResult('unclear', `not a whole key: unfinished sentence ending in '${cutOff.text}'`);
  if (key) {
    const intent = DIGITS[key.digit] ?? 'unclear';
    return speechResult(intent, `spoken key: '${key.number}' names key ${key.digit}, which means ${intent}`);
  }
  if (whole.granted && cutOff)
    return speechResult('unclear', `not a whole yes: unfinished sentence ending in '${cutOff.text}'`);
  if (whole.granted && !asked) {
    const courtesy = whole.courtesy.length ? ` with courtesy ${whole.courtesy.map(says).join(', ')}` : '';
    return speechResult(
      'yes',
      `whole-utterance yes: only yes phrase ${whole.phrases.map(says).join(', ')}${courtesy}`,
    );
  }

  // Longest first, so the reason quotes the fullest phrase heard.
  const hits = resolveOverlaps(
    raw.filter((h) => h.category !== 'object' && !namesTheAssistant(h, raw)),
    words,
  ).sort((a, b) => length(b) - length(a) || a.start - b.start);
  const of = (category: Category): Found[] => hits.filter((h) => h.category === category);
  // A negator inside a phrase whose meaning already includes it ("no problem", "pas de souci",
  // "nicht volljährig") negates nothing else. Inside a no phrase it still does: in "ich will nicht
  // mit einem Menschen sprechen" the "nicht" of "ich will nicht" also refuses the person.
  const phrases = hits.filter((h) => h.category !== 'negator' && h.category !== 'no');
  const negators = of('negator').filter((n) => !phrases.some((p) => overlaps(p, n)));
  const noHits = of('no');
  // A negator that is a whole no answer by itself ("nein", "no") stands on its own: "nein, ich
  // will einen Menschen" asks for a person, and "nein ja" is mixed rather than a negated yes.
  const pureNegators = negators.filter((n) => !noHits.some((h) => h.start === n.start && h.end === n.end));

  // "kayıtları bir insan dinleyecek mi", "will a human listen to it": a person named in a question
  // about the data, with the seeing or hearing said after them, is who would do it, not someone
  // asked for ("can i get the receptionist" asks). Only words outside every person phrase count:
  // "biriyle görüşebilir miyim" holds 'gör' inside its request.
  const agents = of('agent');
  const outsideAgent = (h: Found): boolean => !agents.some((a) => overlaps(a, h));
  const firstAgent = Math.min(...agents.map((a) => a.start));
  const aboutData =
    hits.some((h) => (h.category === 'questionWord' || h.category === 'questionMarker') && outsideAgent(h)) &&
    of('topic').some((t) => outsideAgent(t) && t.start > firstAgent);
  const askedOnly = withdrawalAskedOnly({ raw, hits, words });
  // "bitte nicht löschen", "ich möchte nichts löschen": a negator among the words a phrase's `...`
  // skipped is no part of the phrase and negates it.
  const negatedInGap = (hit: Found): Found | undefined =>
    hit.phrase.split(' ').length < length(hit)
      ? of('negator').find(
          (n) =>
            n.start > hit.start &&
            n.end < hit.end &&
            !hit.phrase.split(' ').includes(words[n.start] as string),
        )
      : undefined;
  // A request said inside a conditional verb that a closing yes answers is that yes's condition,
  // not a request: "kaydı silerseniz olur", "eğer insan dinlemiyorsa evet" (see wholeYesAfter).
  // Only a conditional ending ('*rsa', matched inside a longer word): after "but" ("reşit değilim
  // ama kabul ediyorum") the yes contrasts with what came before and takes nothing back.
  const yesConditionEnds = raw
    .filter(
      (cond) =>
        cond.category === 'condition' &&
        words.slice(cond.start, cond.end).join(' ') !== cond.phrase &&
        wholeYesAfter(raw, cond.end, words.length),
    )
    .map((cond) => cond.end);
  const conditionOfYes = (hit: Found): boolean => yesConditionEnds.some((end) => end >= hit.end);
  for (const intent of ['agent', 'withdraw', 'minor', 'info'] as const) {
    if (intent === 'agent' && aboutData) continue;
    for (const hit of of(intent)) {
      if (intent === 'withdraw' && askedOnly(hit)) continue;
      if (intent !== 'minor' && conditionOfYes(hit)) continue;
      const before =
        negatedInGap(hit) ??
        pureNegators.find((n) => {
          const g = gap(n, hit);
          return g >= 0 && g <= (intent === 'minor' ? NEGATION_BEFORE_AGE : NEGATION_BEFORE_REQUEST);
        });
      // Negation after the phrase is only trusted when it is a whole refusal ("temsilci
      // istemiyorum"); a bare "nicht"/"not" after it usually contrasts ("einen Menschen, nicht die
      // Maschine") and must not cancel a request for a person. After a withdrawal a refusal repeats
      // it ("vazgeçtim kaydetmeyin", "fikrimi değiştirdim istemiyorum"); a refused withdrawal
      // ("geri çekmek istemiyorum") is a no phrase of its own, longer than the withdrawal it holds.
      const after =
        intent === 'withdraw'
          ? undefined
          : noHits.find((n) => {
              const g = gap(hit, n);
              return g >= 0 && g <= 1;
            });
      if (!before && !after) return speechResult(intent, `${intent} phrase: ${says(hit)}`);
    }
    if (intent === 'minor') {
      // "wer sieht das", "how long do you keep it", "kim dinleyecek": a question about the data
      // asks for the information layer, even when it starts with a yes.
      const question = hits.find((h) => h.category === 'questionWord' || h.category === 'questionMarker');
      const topic = of('topic')[0];
      if (question && topic)
        return speechResult('info', `question about the data: ${says(question)} and ${says(topic)}`);
      const howTo = of('withdraw').find((w) => inQuestion(w, hits));
      if (question && howTo)
        return speechResult('info', `question about withdrawing: ${says(question)} before ${says(howTo)}`);
    }
  }

  const uncertain = of('uncertain');
  const yesHits = hits.filter(
    (h) => (h.category === 'yes' || h.category === 'idiom') && !uncertain.some((u) => overlaps(u, h)),
  );
  // "ja, wenn es nicht zu lange dauert": a negator behind a condition or a question word belongs
  // to that clause and does not turn the yes into a no (the answer stays unclear). Taken from all
  // hits: in "yes but i don't want it shared" the fragment "but i" outspans the condition "but".
  const clauses = raw.filter((h) => h.category === 'condition' || h.category === 'questionWord');
  const yes = yesHits[0];
  if (yes) {
    for (const y of yesHits) {
      const n = pureNegators.find((neg) => {
        const g = gap(neg, y);
        return g >= 0 && g <= NEGATION_BEFORE && !between(neg, y, clauses);
      });
      if (n) return speechResult('no', `negated yes: negation ${says(n)} before yes phrase ${says(y)}`);
    }
    // Before the mixed-answer rule: "nee das passt mir nicht" refuses twice, it is not yes and no.
    for (const y of yesHits) {
      const n = pureNegators.find((neg) => {
        const g = gap(y, neg);
        return g >= 0 && g <= NEGATION_AFTER && !between(y, neg, clauses);
      });
      if (n) return speechResult('no', `negated yes: negation ${says(n)} after yes phrase ${says(y)}`);
    }
    const no = noHits[0];
    if (no) return speechResult('unclear', `mixed answer: yes phrase ${says(yes)} and no phrase ${says(no)}`);
    if (asked) return speechResult('unclear', `not a whole yes: yes phrase ${says(yes)} asked as a question`);
    return speechResult('unclear', `not a whole yes: ${notWhole(yes, hits, words, whole)}`);
  }

  // A refusal whose own words a hedge spans is a double negative: "kabul etmiyor değilim" (it is
  // not that I don't accept) and "hayır demiyorum" (I'm not saying no) are neither yes nor no.
  const no = noHits.find((n) => !uncertain.some((u) => overlaps(u, n)));
  if (no) return speechResult('no', `no phrase: ${says(no)}`);
  const doubt = uncertain[0];
  if (doubt) return speechResult('unclear', `hedge: ${says(doubt)}`);
  return speechResult('unclear', 'no known phrase in the speech');
}

/** The words, then the words less the filler they end in, and so on while one is left. */
function trailingFillersOff(words: string[], fillers: Pattern[]): string[][] {
  const versions = [words];
  for (let end = words.length; ;) {
    const head = words.slice(0, end);
    const filler = fillers.find((f) => f.length < end && occurrences(head, f).some(([, e]) => e === end));
    if (!filler) return versions;
    end -= filler.length;
    versions.push(words.slice(0, end));
  }
}

/** Whether one of the clause openers stands between two hits. */
const between = (first: Found, second: Found, clauses: Found[]): boolean =>
  clauses.some((c) => c.start >= first.end && c.end <= second.start);

/** Names what besides the yes was said: the first blocking phrase, else the words no list knows. */
function notWhole(yes: Found, hits: Found[], words: string[], whole: ReturnType<typeof wholeYes>): string {
  const blocker = hits.find((h) => BLOCKER_NAME[h.category] && !contains(yes, h));
  if (blocker) return `${BLOCKER_NAME[blocker.category]} ${says(blocker)} beside yes phrase ${says(yes)}`;
  const other = whole.granted ? [] : whole.uncovered.map((i) => words[i] as string);
  return `words ${other.map((w) => `'${w}'`).join(' ')} beside yes phrase ${says(yes)} are not part of a yes`;
}
