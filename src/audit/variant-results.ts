import type { Ledger } from '../ledger';
import { callPaths, type CallPath, type Stage } from './dropoff';
import { verdict, wilson, type Interval } from './wilson';

/**
 * Results of the A/B wording test per language, notice version and variant: consent, decline,
 * information requests and drop-off with Wilson 95 % intervals, time to decision (median, p90),
 * where callers left, and a verdict per variant against the live wording. Aggregates only.
 */
export interface GroupResult {
  locale: string;
  version: string;
  variant: string;
  calls: number;
  consent: Interval & { count: number };
  decline: Interval & { count: number };
  info: Interval & { count: number };
  dropOff: Interval & { count: number };
  secondsToDecision: { median: number | null; p90: number | null };
  leftAt: Record<string, number>;
  /** Against `base` of the same language and version; absent for base itself. */
  verdict?: string;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] ?? null;
}

const counted = (count: number, n: number): Interval & { count: number } => ({ ...wilson(count, n), count });

export function groupResults(paths: readonly CallPath[]): GroupResult[] {
  const groups = new Map<string, CallPath[]>();
  for (const p of paths) {
    const key = `${p.locale}\u0000${p.version}\u0000${p.variant}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const out: GroupResult[] = [];
  for (const [key, calls] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const [locale = '', version = '', variant = ''] = key.split('\u0000');
    const n = calls.length;
    const times = calls
      .map((c) => c.secondsToDecision)
      .filter((s): s is number => s !== null)
      .sort((a, b) => a - b);
    const leftAt: Record<string, number> = {};
    for (const c of calls) if (c.leftAt) leftAt[c.leftAt] = (leftAt[c.leftAt] ?? 0) + 1;
    out.push({
      locale,
      version,
      variant,
      calls: n,
      consent: counted(calls.filter((c) => c.decision === 'granted').length, n),
      decline: counted(calls.filter((c) => c.decision === 'declined').length, n),
      info: counted(calls.filter((c) => c.info).length, n),
      dropOff: counted(calls.filter((c) => c.leftAt !== null && c.decision === null).length, n),
      secondsToDecision: { median: percentile(times, 0.5), p90: percentile(times, 0.9) },
      leftAt,
    });
  }
  for (const g of out) {
    if (g.variant === 'base') continue;
    const base = out.find((b) => b.variant === 'base' && b.locale === g.locale && b.version === g.version);
    g.verdict = verdict(
      g.variant,
      { successes: g.consent.count, n: g.calls },
      { successes: base?.consent.count ?? 0, n: base?.calls ?? 0 },
    );
  }
  return out;
}

export function variantResults(
  ledger: Ledger,
  from: string,
  to: string,
  purposes: readonly string[],
): GroupResult[] {
  return groupResults(callPaths(ledger, from, to, purposes));
}

/** The stages in the order a caller passes them, for tables and the chart. */
export function stagesOf(purposes: readonly string[]): Stage[] {
  return ['disclosure', 'main', 'info', ...purposes.slice(1).map((p): Stage => `purpose:${p}`), 'handover'];
}

const pct = (x: number): string => (x * 100).toFixed(1);

/** CSV: one row per group, rates with their interval, drop-off per stage. */
export function resultsCsv(results: readonly GroupResult[], purposes: readonly string[]): string {
  const stages = stagesOf(purposes);
  const head = [
    'locale',
    'notice_version',
    'variant',
    'calls',
    ...['consent', 'decline', 'info', 'drop_off'].flatMap((m) => [
      `${m}_count`,
      `${m}_pct`,
      `${m}_low_pct`,
      `${m}_high_pct`,
    ]),
    'seconds_to_decision_median',
    'seconds_to_decision_p90',
    ...stages.map((s) => `left_at_${s.replace(':', '_')}`),
    'verdict',
  ];
  const quote = (v: string): string => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const rows = results.map((g) =>
    [
      g.locale,
      g.version,
      g.variant,
      String(g.calls),
      ...[g.consent, g.decline, g.info, g.dropOff].flatMap((r) => [
        String(r.count),
        pct(r.rate),
        pct(r.low),
        pct(r.high),
      ]),
      String(g.secondsToDecision.median ?? ''),
      String(g.secondsToDecision.p90 ?? ''),
      ...stages.map((s) => String(g.leftAt[s] ?? 0)),
      g.verdict ?? '',
    ]
      .map(quote)
      .join(','),
  );
  return `${[head.join(','), ...rows].join('\n')}\n`;
}
