import type { Category } from './compiled';
import { gap, overlaps, type Hit } from './match';
import { wholeYes } from './whole-yes';

type Found = Hit<Category>;

/** What was heard: every phrase found, the phrases left once overlaps are resolved, and the words. */
export interface Heard {
  raw: Found[];
  hits: Found[];
  words: string[];
}

/**
 * "nasıl silebilirim", "kaydımı ne zaman silersiniz", "how do i delete it": an interrogative
 * right before the withdrawal verb asks how or when, and the information layer answers it.
 */
export const inQuestion = (hit: Found, hits: Found[]): boolean =>
  hits.some((q) => q.category === 'questionWord' && gap(q, hit) === 0);

/**
 * Whether a withdrawal phrase is only asked about or supposed, not asked for: a withdrawal is acted
 * on at once, so one heard inside a condition or a question leaves the answer to the rules after it.
 */
export function withdrawalAskedOnly({ raw, hits, words }: Heard): (hit: Found) => boolean {
  const of = (category: Category): Found[] => hits.filter((h) => h.category === category);
  const asks = (h: Found): boolean => h.category === 'questionWord' || h.category === 'questionMarker';
  // "ja, wenn ich das später widerrufen kann": a deletion or withdrawal after a yes and a condition
  // is the condition, not a request. Only after a yes that was the answer, though: in "ich hab ja
  // gesagt, aber ich nehme es zurück" or "evet demiştim ama vazgeçtim" the yes is reported, the
  // words before the "aber" are no whole yes, and what follows takes it back. A Turkish verb may be
  // both ("evet silerseniz": yes, if you delete it).
  const conditional = (hit: Found): boolean =>
    of('condition').some(
      (cond) =>
        (cond.end <= hit.start || overlaps(cond, hit)) &&
        wholeYes(
          raw.filter((h) => h.end <= cond.start),
          cond.start,
        ).granted,
    );
  // "kayıtları siliyor musunuz" (do you delete the recordings): an information phrase that runs on
  // past the end of a deletion verb into a question particle asks about deleting, not for it.
  const askedAbout = (hit: Found): boolean =>
    of('info').some(
      (q) =>
        overlaps(q, hit) &&
        q.start > hit.start &&
        q.end > hit.end &&
        raw.some((m) => m.category === 'questionMarker' && m.start >= hit.end && m.end <= q.end),
    );
  // The condition a withdrawal verb itself ends in, or the light verb or "want" right after it
  // ("iptal edersem", "iptal etmek istersem"): a conditional ending matched inside a longer word,
  // not a conjunction said apart.
  const ownConditions = (hit: Found): Found[] =>
    raw.filter(
      (cond) =>
        cond.category === 'condition' &&
        words.slice(cond.start, cond.end).join(' ') !== cond.phrase &&
        cond.start >= hit.end - 1 &&
        cond.start <= hit.end + 1,
    );
  // "silinmesini istersem ne olur", "iptal edersem ne olur" (what happens if I have it deleted): a
  // withdrawal verb that runs into a condition asking what would follow is asked about. The
  // condition must ask: "silerseniz sevinirim" (I'd be glad if you deleted it) still asks for it.
  // Taken from all hits: the longer question phrase shadows the condition it starts with.
  const supposed = (hit: Found): boolean =>
    raw.some(
      (cond) =>
        cond.category === 'condition' &&
        cond.start >= hit.end - 1 &&
        cond.start <= hit.end &&
        raw.some(
          (q) =>
            q.category === 'info' &&
            q.start <= cond.start &&
            q.end > cond.end &&
            raw.some((m) => asks(m) && m.start >= cond.end && m.end <= q.end),
        ),
    );
  // "iptal edersem", "geri çekersem", "vazgeçersem sorun olur mu" (if I withdraw, is that a
  // problem): a withdrawal verb in its own conditional, with nothing after it or only a question or
  // a hedge, supposes a withdrawal. Anything else after it is what the condition leads to, a
  // request in "silerseniz sevinirim" (I'd be glad if you deleted it).
  const hypothetical = (hit: Found): boolean =>
    ownConditions(hit).some((cond) => {
      const after = raw.filter((h) => h.start >= cond.end);
      return after.length === 0
        ? cond.end === words.length
        : after.some((h) => asks(h) || h.category === 'uncertain');
    });
  return (hit) =>
    conditional(hit) || askedAbout(hit) || supposed(hit) || hypothetical(hit) || inQuestion(hit, hits);
}
