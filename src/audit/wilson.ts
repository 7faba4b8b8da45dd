/**
 * Confidence intervals for proportions: Wilson's score interval for one rate, Newcombe's hybrid
 * score interval (his method 10) for the difference of two. Both behave at small counts and
 * near 0 % and 100 %, where the textbook normal interval says nonsense.
 */
export const Z95 = 1.959963984540054;

export interface Interval {
  rate: number;
  low: number;
  high: number;
}

export function wilson(successes: number, n: number, z = Z95): Interval {
  if (n === 0) return { rate: 0, low: 0, high: 1 };
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return { rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Interval of a − b (rates), from each one's Wilson interval. */
export function difference(
  a: { successes: number; n: number },
  b: { successes: number; n: number },
): Interval {
  const wa = wilson(a.successes, a.n);
  const wb = wilson(b.successes, b.n);
  const d = wa.rate - wb.rate;
  return {
    rate: d,
    low: d - Math.sqrt((wa.rate - wa.low) ** 2 + (wb.high - wb.rate) ** 2),
    high: d + Math.sqrt((wa.high - wa.rate) ** 2 + (wb.rate - wb.low) ** 2),
  };
}

const points = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)} points`;

/** The plain-language verdict on a variant's consent rate against the live wording's. */
export function verdict(
  name: string,
  variant: { successes: number; n: number },
  base: { successes: number; n: number },
): string {
  if (variant.n === 0 || base.n === 0) return 'no difference yet (no calls on one side)';
  const d = difference(variant, base);
  if (d.low <= 0 && d.high >= 0)
    return `no difference yet (${points(d.rate)}, 95 % interval ${points(d.low)} to ${points(d.high)})`;
  return `variant ${name} differs by ${points(d.rate)} with 95 % confidence (interval ${points(d.low)} to ${points(d.high)})`;
}
