import { escapeHtml as e } from './html';
import { formatDuration } from './portal-time';
import type { StepKind, TimelineEntry } from './timeline-words';

/** One colour per kind of step, dark enough to read on white (WCAG AA against #fff). */
export const KIND_COLOURS: Record<StepKind, string> = {
  call: '#1a2b4c',
  notice: '#5b3a8c',
  answer: '#8a4b00',
  decision: '#0b6b2e',
  handover: '#a3122a',
  evidence: '#36454f',
  other: '#555555',
};

const W = 800;
const PAD = 28;

/**
 * A small picture of the call: a line from its first to its last step, a numbered dot per step
 * (the numbers are the rows of the table beside it, which is what screen readers read). Made on
 * the server; the page runs no script.
 */
export function timelineSvg(entries: readonly TimelineEntry[], label: string): string {
  if (entries.length === 0) return '';
  const times = entries.map((x) => Date.parse(x.at));
  const start = Math.min(...times);
  const span = Math.max(1, Math.max(...times) - start);
  const x = (t: number): number => PAD + ((t - start) / span) * (W - 2 * PAD);
  const dots = entries
    .map((entry, i) => {
      const cx = x(times[i] ?? start).toFixed(1);
      // Steps close together alternate above and below the line so their numbers stay legible.
      const above = i % 2 === 0;
      const colour = KIND_COLOURS[entry.kind];
      return `<circle cx="${cx}" cy="50" r="7" fill="${colour}"/><text x="${cx}" y="${above ? 30 : 80}" text-anchor="middle" font-size="13" fill="${colour}">${i + 1}</text>`;
    })
    .join('');
  return `<svg class="timeline" viewBox="0 0 ${W} 110" width="100%" role="img" aria-label="${e(label)}" xmlns="http://www.w3.org/2000/svg">
<line x1="${PAD}" y1="50" x2="${W - PAD}" y2="50" stroke="#555" stroke-width="2"/>${dots}
<text x="${PAD}" y="104" font-size="12" fill="#333">0 s</text><text x="${W - PAD}" y="104" font-size="12" fill="#333" text-anchor="end">${e(formatDuration(span))}</text></svg>`;
}
