import { randomInt } from 'node:crypto';

/**
 * The A/B split: a variant for one call, at random with the configured weights. `base` (the live
 * wording) and any variant that may not play (absent, or refused by the compliance gate) give
 * undefined: the caller hears the live wording and the ledger records no variant.
 */
export function pickVariant(
  split: Record<string, number> | undefined,
  playable: ReadonlyMap<string, unknown>,
  random: (max: number) => number = randomInt,
): string | undefined {
  if (!split) return undefined;
  const entries = Object.entries(split).filter(([, w]) => w > 0);
  // Whole thousandths, so fractional shares work with an integer random source.
  const weights = entries.map(([, w]) => Math.round(w * 1000));
  const total = weights.reduce((a, b) => a + b, 0);
  if (total <= 0) return undefined;
  let r = random(total);
  for (const [i, [name]] of entries.entries()) {
    r -= weights[i] ?? 0;
    if (r < 0) return name !== 'base' && playable.has(name) ? name : undefined;
  }
  return undefined;
}
