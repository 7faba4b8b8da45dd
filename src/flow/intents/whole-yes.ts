import type { Category } from './compiled';
import { contains, type Hit } from './match';

/** The phrases that may make up a consent: yes phrases, yes idioms and courtesy words. */
const GRANTING = new Set<Category>(['yes', 'idiom', 'courtesy']);
/** Lists whose phrases, wherever they occur, mean that the utterance is more than a yes. */
const BLOCKING = new Set<Category>([
  'no',
  'info',
  'withdraw',
  'agent',
  'minor',
  'negator',
  'uncertain',
  'condition',
  'questionWord',
  'questionMarker',
  'addressee',
  'fragment',
]);

export type WholeYes =
  | { granted: true; phrases: Array<Hit<Category>>; courtesy: Array<Hit<Category>> }
  | { granted: false; blockers: Array<Hit<Category>>; uncovered: number[] };

/**
 * The one rule that grants: every word (fillers already gone) belongs to a yes phrase, a yes idiom
 * or a courtesy word, at least one is a yes, and no phrase of another list sits anywhere in it,
 * except inside an idiom whose meaning already includes it ("no" in "no problem"). Anything else a
 * caller adds (a condition, a question, a name, half a sentence) may change what the yes means, so
 * it is not a yes.
 */
export function wholeYes(found: Array<Hit<Category>>, wordCount: number): WholeYes {
  const hits = withObjects(found);
  const granting = hits.filter((h) => GRANTING.has(h.category));
  const tiling = tile(granting, wordCount);
  const covered = new Set<number>();
  for (const h of granting) for (let i = h.start; i < h.end; i += 1) covered.add(i);
  const uncovered: number[] = [];
  for (let i = 0; i < wordCount; i += 1) if (!covered.has(i)) uncovered.push(i);
  const idioms = (tiling ?? []).filter((h) => h.category === 'idiom');
  const blockers = hits.filter(
    (h) =>
      BLOCKING.has(h.category) &&
      !idioms.some((i) => contains(i, h)) &&
      !startsInsideTile(h, tiling ?? []) &&
      !namesTheAssistant(h, found),
  );
  const phrases = (tiling ?? []).filter((h) => h.category !== 'courtesy');
  if (!tiling || blockers.length > 0 || phrases.length === 0) return { granted: false, blockers, uncovered };
  return { granted: true, phrases, courtesy: tiling.filter((h) => h.category === 'courtesy') };
}

/**
 * "yapay zeka ile görüşmeyi kabul ediyorum", "asistanla görüşmeye razıyım" (I agree to talk with
 * the AI): the talking-with that asks for a person elsewhere ("yetkiliyle görüşmek") starts inside a
 * consent object here, the assistant named as what is agreed to. A person named ('insan*',
 * 'temsilci*') is a phrase of its own and still asks, and so does a refused talking-with
 * ("robotla konuşmak istemiyorum").
 */
export const namesTheAssistant = (h: Hit<Category>, found: Array<Hit<Category>>): boolean =>
  h.category === 'agent' &&
  found.some((o) => o.category === 'object' && o.start <= h.start && h.start < o.end && h.end > o.end) &&
  !found.some((n) => (n.category === 'no' || n.category === 'negator') && n.start < h.end && h.start < n.end);

/**
 * Each yes phrase once more with the consent objects said right before it, as one yes phrase:
 * "kaydedilmesine izin veriyorum", "sesimin kaydedilmesine izin veriyorum". An object on its own
 * grants nothing: it is not among the granting lists, so a tiling can only use it through a yes.
 */
function withObjects(hits: Array<Hit<Category>>): Array<Hit<Category>> {
  const objects = hits.filter((h) => h.category === 'object');
  if (objects.length === 0) return hits;
  const all = [...hits];
  // Each round moves the start left by at least one word, so this ends within the utterance.
  let taking = hits.filter((h) => h.category === 'yes');
  while (taking.length > 0) {
    taking = taking.flatMap((y) =>
      objects
        .filter((o) => o.end === y.start)
        .map((o) => ({
          category: y.category,
          phrase: `${o.phrase} ${y.phrase}`,
          start: o.start,
          end: y.end,
        })),
    );
    all.push(...taking);
  }
  return all;
}

/**
 * A blocker spelt across two phrases of the tiling from the middle of a fixed one, where its start
 * word belongs to that phrase: "sorun yok teşekkürler" (no problem, thanks) holds "yok teşekkürler"
 * (no thanks) from the idiom's own negator on; "ma'am i'm happy to" holds "am i" from inside the
 * courtesy word. Only these two kinds: a hedge across phrases ("danke, schon okay") or a question from
 * where a phrase starts ("stimmt das, passt") may well have been said.
 */
function startsInsideTile(h: Hit<Category>, tiling: Array<Hit<Category>>): boolean {
  const inside = (kind: Category): boolean =>
    tiling.some((t) => t.category === kind && t.start < h.start && h.start < t.end && h.end > t.end);
  const restIsCourtesy = (): boolean =>
    tiling.every((t) => t.end <= h.start || t.start >= h.end || t.category !== 'yes');
  return (
    (h.category === 'no' && inside('idiom') && restIsCourtesy()) ||
    (h.category === 'questionMarker' && inside('courtesy'))
  );
}

/**
 * The utterance as phrases laid end to end, none overlapping, the fewest there can be; undefined
 * when no such tiling exists. Overlapping phrases must not stitch a yes together: in "why not a
 * problem" the idioms "why not" and "not a problem" share the "not", and nothing covers the rest.
 */
function tile(hits: Array<Hit<Category>>, wordCount: number): Array<Hit<Category>> | undefined {
  const best: Array<Array<Hit<Category>> | undefined> = [[]];
  for (let end = 1; end <= wordCount; end += 1) {
    for (const h of hits) {
      const before = h.end === end ? best[h.start] : undefined;
      const current = best[end];
      if (before && (!current || before.length + 1 < current.length)) best[end] = [...before, h];
    }
  }
  return best[wordCount];
}

/**
 * Whether the words after `from` are a whole yes by themselves: in "kaydı silerseniz olur" (fine if
 * you delete the recording) and "eğer insan dinlemiyorsa evet" (yes, if no human listens) the answer
 * is the yes at the end, and everything before it is its condition.
 */
export function wholeYesAfter(found: Array<Hit<Category>>, from: number, wordCount: number): boolean {
  if (from >= wordCount) return false;
  const rest = found
    .filter((h) => h.start >= from)
    .map((h) => ({ ...h, start: h.start - from, end: h.end - from }));
  return wholeYes(rest, wordCount - from).granted;
}
