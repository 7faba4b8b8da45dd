import { escapeHtml as e } from './html';
import { stagesOf, type GroupResult } from './variant-results';

/** The A/B results page: a server-rendered chart (no script) with the same numbers as a table beside it. */

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const label = (g: GroupResult): string => `${g.locale} · ${g.version.slice(0, 8)} · ${g.variant}`;

/** Consent rate per group as bars with their 95 % interval as a whisker. */
export function consentChart(results: readonly GroupResult[]): string {
  const rowH = 28;
  const left = 190;
  const width = 360;
  const h = rowH * results.length + 30;
  const x = (r: number): number => left + r * width;
  const rows = results
    .map((g, i) => {
      const y = 10 + i * rowH;
      return `<text x="${left - 6}" y="${y + 14}" text-anchor="end" font-size="12">${e(label(g))}</text>
<rect x="${left}" y="${y + 2}" width="${(g.consent.rate * width).toFixed(1)}" height="16" fill="#4a6fa5"/>
<line x1="${x(g.consent.low).toFixed(1)}" x2="${x(g.consent.high).toFixed(1)}" y1="${y + 10}" y2="${y + 10}" stroke="#000" stroke-width="2"/>`;
    })
    .join('');
  const axis = [0, 0.25, 0.5, 0.75, 1]
    .map((t) => `<text x="${x(t)}" y="${h - 4}" text-anchor="middle" font-size="11">${t * 100} %</text>`)
    .join('');
  return `<svg role="img" aria-labelledby="chart-title chart-desc" viewBox="0 0 ${left + width + 20} ${h}" width="100%" style="max-width:40rem">
<title id="chart-title">Consent rate per language, notice version and variant</title>
<desc id="chart-desc">Bars show the consent rate, the black line its 95 % Wilson interval; the table beside gives the numbers.</desc>${rows}${axis}</svg>`;
}

export function resultsPage(
  results: readonly GroupResult[],
  purposes: readonly string[],
  from: string,
  to: string,
): string {
  const stages = stagesOf(purposes);
  const table = `<table><caption>Results ${e(from)} to ${e(to)}</caption><thead><tr><th scope="col">Language · version · variant</th><th scope="col">Calls</th><th scope="col">Consent (95 %)</th><th scope="col">Decline (95 %)</th><th scope="col">Info requests</th><th scope="col">Drop-off</th><th scope="col">Seconds to decision (median / p90)</th><th scope="col">Verdict</th></tr></thead><tbody>${results
    .map(
      (g) =>
        `<tr><th scope="row">${e(label(g))}</th><td>${g.calls}</td><td>${pct(g.consent.rate)} (${pct(g.consent.low)}–${pct(g.consent.high)})</td><td>${pct(g.decline.rate)} (${pct(g.decline.low)}–${pct(g.decline.high)})</td><td>${pct(g.info.rate)}</td><td>${pct(g.dropOff.rate)}</td><td>${g.secondsToDecision.median ?? '–'} / ${g.secondsToDecision.p90 ?? '–'}</td><td>${e(g.verdict ?? 'live wording')}</td></tr>`,
    )
    .join('')}</tbody></table>`;
  const drop = `<table id="drop-off"><caption>Where callers left</caption><thead><tr><th scope="col">Language · version · variant</th>${stages.map((s) => `<th scope="col">${e(s)}</th>`).join('')}</tr></thead><tbody>${results
    .map(
      (g) =>
        `<tr><th scope="row">${e(label(g))}</th>${stages.map((s) => `<td>${g.leftAt[s] ?? 0}</td>`).join('')}</tr>`,
    )
    .join('')}</tbody></table>`;
  const csv = `<p><a href="/audit/results.csv?from=${e(from)}&amp;to=${e(to)}">Download as CSV</a></p>`;
  return `<div class="grid"><div>${consentChart(results)}</div><div>${table}</div></div>${drop}${csv}`;
}
