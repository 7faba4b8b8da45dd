import crypto from 'node:crypto';
import type { Ledger } from '../ledger';

/**
 * Fixed-window counters in the ledger database, so every process (and a restart) sees the same
 * counts: a limit kept in one process's memory is bypassed by asking another. Buckets are keyed
 * hashes: neither a client address nor a phone number is stored.
 */
export class RateLimiter {
  private calls = 0;

  constructor(
    private readonly ledger: Ledger,
    private readonly now: () => number = Date.now,
  ) {}

  private bucket(kind: string, subject: string): string {
    return crypto
      .createHmac('sha256', this.ledger.derivedKey('privacy'))
      .update(`rate:${kind}:${subject}`)
      .digest('base64url')
      .slice(0, 32);
  }

  /** Counts one hit; true while the count in this window is within `limit`. */
  hit(kind: string, subject: string, limit: number, windowMs: number): boolean {
    const now = this.now();
    const windowStart = Math.floor(now / windowMs) * windowMs;
    const hits = this.ledger
      .sql(
        `INSERT INTO rate_limits (bucket, window_start, hits) VALUES (?, ?, 1)
         ON CONFLICT(bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits`,
      )
      .pluck()
      .get(this.bucket(kind, subject), windowStart) as number;
    if (++this.calls % 200 === 0)
      this.ledger.sql('DELETE FROM rate_limits WHERE window_start < ?').run(now - 24 * 3600_000);
    return hits <= limit;
  }
}
