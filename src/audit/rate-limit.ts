/**
 * Attempts per key (an address, an account) in a sliding window, in memory. Keys whose last
 * attempt left the window are pruned as the limiter is used, and the number of keys is capped
 * (the least recently used go first), so a flood of made-up addresses cannot grow it without end.
 */
export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();
  private lastSweep = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    readonly maxKeys = 10_000,
  ) {}

  /** Records an attempt; false when the key already used up its window. */
  hit(key: string, nowMs: number): boolean {
    this.sweep(nowMs);
    const recent = (this.hits.get(key) ?? []).filter((t) => nowMs - t < this.windowMs);
    recent.push(nowMs);
    // Re-inserting moves the key to the end: Map order is then least recently used first.
    this.hits.delete(key);
    this.hits.set(key, recent.slice(-(this.limit + 1)));
    while (this.hits.size > this.maxKeys) {
      const oldest = this.hits.keys().next().value;
      if (oldest === undefined) break;
      this.hits.delete(oldest);
    }
    return recent.length <= this.limit;
  }

  get size(): number {
    return this.hits.size;
  }

  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweep < this.windowMs / 10) return;
    this.lastSweep = nowMs;
    for (const [key, times] of this.hits) {
      const last = times[times.length - 1] ?? 0;
      if (nowMs - last >= this.windowMs) this.hits.delete(key);
    }
  }
}
