/** Thrown when more work waits than the queue holds: the caller answers "busy" instead of piling up. */
export class BusyError extends Error {
  constructor() {
    super('too many sign-ins at once; try again shortly');
    this.name = 'BusyError';
  }
}

/**
 * A counting semaphore with a bounded queue. scrypt takes 32 MiB and tens of milliseconds of a
 * core per guess; without a cap, a burst of sign-in attempts takes every core and the memory.
 */
export class WorkLimit {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  /** The most tasks that ever ran at the same time (for tests and /healthz-style reporting). */
  highWater = 0;

  constructor(
    readonly concurrency: number,
    readonly maxQueue: number,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) {
      if (this.waiting.length >= this.maxQueue) throw new BusyError();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.active++;
    this.highWater = Math.max(this.highWater, this.active);
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `active` never drops below what runs.
      if (next) next();
      else this.active--;
    }
  }
}
