import type { BatchOutcome } from './rows';

/**
 * Group commit: writes from webhooks that arrive in the same event-loop turn share one transaction.
 * The promise settles after the commit, so no webhook answers before its events are in the ledger.
 */
export class GroupCommit {
  private pending: Array<{
    fn: () => unknown;
    resolve: (value: unknown) => void;
    reject: (error: unknown) => void;
  }> = [];
  private flushScheduled = false;

  constructor(
    /** The ledger's transaction (write lock first, records bound before the commit). */
    private readonly tx: (fn: () => unknown) => unknown,
    /** What was cached as stored may not be after a rollback. */
    private readonly forgetUncommitted: () => void,
  ) {}

  commit<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    const outcomes = this.runBatch(batch.map((item) => item.fn));
    batch.forEach((item, i) => {
      const r = outcomes[i];
      if (r?.ok) item.resolve(r.value);
      else item.reject(r?.error);
    });
  }

  /**
   * Runs writes in one transaction and one commit. Should one throw, the whole transaction rolls
   * back and each write runs again in a transaction of its own, so that one bad write fails alone.
   * Writes therefore touch only the ledger: running one twice after a rollback must be harmless.
   * (A savepoint per write would do the same, but costs about as much as the write itself.)
   */
  runBatch(fns: Array<() => unknown>): BatchOutcome[] {
    try {
      const values = this.tx(() => fns.map((fn) => fn())) as unknown[];
      return values.map((value) => ({ ok: true, value }));
    } catch (error) {
      this.forgetUncommitted();
      if (fns.length === 1) return [{ ok: false, error }];
    }
    return fns.map((fn): BatchOutcome => {
      try {
        return { ok: true, value: this.tx(fn) };
      } catch (error) {
        this.forgetUncommitted();
        return { ok: false, error };
      }
    });
  }
}
