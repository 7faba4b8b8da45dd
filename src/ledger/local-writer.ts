import type { Worker } from 'node:worker_threads';
import type { Ledger } from './ledger';
import { newWalSignal, WriterWal } from './sqlite/wal-cycle';
import {
  spawnLedgerThread,
  stopCheckpointer,
  type ArgsOf,
  type CommandTable,
  type LedgerWriter,
  type ResultOf,
} from './writer';

interface Queued {
  name: string;
  args: unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * The service's writer on a SQLite ledger when the process has one core to run on: the writes
 * run on the event loop's own thread, every write of one event-loop turn in one transaction (as
 * the writer thread batches them), and a webhook still answers only after its write is committed.
 *
 * On one core a writer thread cannot run beside the event loop, only in turns with it: each write
 * then costs a structured clone and a message each way and a switch between threads. Measured in
 * the voice bench pinned to one core, the gather action took 20 % less CPU per request here than
 * with the thread (776 against 950-1,067 µs), new calls 5 % less. The WAL is handled as with the
 * thread (see sqlite/wal-cycle.ts): a checkpointer thread copies it into the database file at the
 * lowest priority, and this writer finishes its rounds between two batches, so that no commit
 * checkpoints inside itself and the WAL file is reused rather than grown.
 */
export class LocalWriter<C extends CommandTable> implements LedgerWriter<C> {
  private queued: Queued[] = [];
  private flushScheduled = false;
  private closed = false;
  private checkpointer: Worker | null = null;
  private readonly walSignal = newWalSignal();
  private readonly wal: WriterWal | null;

  constructor(
    private readonly ledger: Ledger,
    private readonly commands: C,
    /** A module that calls serveLedgerWriter: it runs the checkpointer thread. */
    private readonly threadEntry: string,
    private readonly databasePath: string,
  ) {
    const sqlite = ledger.db.sqlite;
    this.wal = sqlite ? new WriterWal(sqlite, databasePath, this.walSignal) : null;
  }

  run<K extends keyof C & string>(name: K, args: ArgsOf<C, K>): Promise<ResultOf<C, K>> {
    if (this.closed) return Promise.reject(new Error('ledger writer is closed'));
    return new Promise<ResultOf<C, K>>((resolve, reject) => {
      this.queued.push({ name, args, resolve: resolve as (value: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits what is queued, then stops the checkpointer; the ledger belongs to whoever passed it in. */
  async close(): Promise<void> {
    this.closed = true;
    this.flush();
    const checkpointer = this.checkpointer;
    this.checkpointer = null;
    if (checkpointer) await stopCheckpointer(checkpointer);
  }

  private flush(): void {
    this.flushScheduled = false;
    const items = this.queued;
    this.queued = [];
    if (items.length === 0) return;
    if (this.wal && !this.closed) this.checkpointer ??= this.startCheckpointer();
    const outcomes = this.ledger.runBatch(
      items.map((item) => () => {
        const command = this.commands[item.name] as ((l: Ledger, a: unknown) => unknown) | undefined;
        if (!command) throw new Error(`unknown ledger command ${item.name}`);
        return command(this.ledger, item.args);
      }),
    );
    items.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) item.resolve(outcome.value);
      else item.reject(outcome ? outcome.error : new Error('ledger writer lost the write'));
    });
    this.wal?.afterBatch();
  }

  /** Dies quietly when it must: the next batch starts another, and until then the WAL just grows. */
  private startCheckpointer(): Worker | null {
    let checkpointer: Worker;
    try {
      checkpointer = spawnLedgerThread(this.threadEntry, {
        role: 'ledger-checkpointer',
        databasePath: this.databasePath,
        keys: [],
        walSignal: this.walSignal,
      });
    } catch {
      return null;
    }
    checkpointer.unref();
    const lost = (): void => {
      if (this.checkpointer === checkpointer) this.checkpointer = null;
    };
    checkpointer.on('error', lost);
    checkpointer.on('exit', lost);
    return checkpointer;
  }
}
