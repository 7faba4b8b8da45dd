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
export function wholeYes(hits: Array<Hit<Category>>, wordCount: number): WholeYes {
  const granting = hits.filter((h) => GRANTING.has(h.category));
  const covered = new Set<number>();
  for (const h of granting) for (let i = h.start; i < h.end; i += 1) covered.add(i);
  const uncovered: number[] = [];
  for (let i = 0; i < wordCount; i += 1) if (!covered.has(i)) uncovered.push(i);
  const idioms = granting.filter((h) => h.category === 'idiom');
  const blockers = hits.filter((h) => BLOCKING.has(h.category) && !idioms.some((i) => contains(i, h)));
  const cover = fewest(granting);
  const phrases = cover.filter((h) => h.category !== 'courtesy');
  if (uncovered.length > 0 || blockers.length > 0 || phrases.length === 0)
    return { granted: false, blockers, uncovered };
  return { granted: true, phrases, courtesy: cover.filter((h) => h.category === 'courtesy') };
}

/** The longest phrases that do not overlap, in spoken order: what the reason quotes ("ja gerne", not "ja" and "gerne"). */
function fewest(hits: Array<Hit<Category>>): Array<Hit<Category>> {
  const picked: Array<Hit<Category>> = [];
  const byLength = [...hits].sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
  for (const h of byLength) if (!picked.some((p) => p.start < h.end && h.start < p.end)) picked.push(h);
  return picked.sort((a, b) => a.start - b.start);
}
