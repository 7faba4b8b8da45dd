import fs from 'node:fs';
import path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { KeyRing, type KeyEntry } from '../crypto/keyring';
import { isPostgresUrl } from './driver';
import { checkpointForever, newWalSignal, WriterWal } from './sqlite/wal-cycle';
import { Ledger } from './ledger';
import type { BatchOutcome } from './rows';

/**
 * A named write: runs inside the ledger's transaction, takes and returns plain data (it may cross
 * a thread boundary), and reads what it needs itself so that it decides on committed state.
 */
// `never` as the argument type lets every concrete command be a member of the table.
export type CommandTable = Record<string, (ledger: Ledger, args: never) => unknown>;

export type ArgsOf<C extends CommandTable, K extends keyof C> = Parameters<C[K]>[1];
export type ResultOf<C extends CommandTable, K extends keyof C> = ReturnType<C[K]>;

/** Where webhooks send their writes. The promise settles once the write is committed (or failed). */
export interface LedgerWriter<C extends CommandTable> {
  run<K extends keyof C & string>(name: K, args: ArgsOf<C, K>): Promise<ResultOf<C, K>>;
  close(): Promise<void>;
}

/** Writes on the caller's thread, group-committed per event-loop turn: for the CLI, tests and tools. */
export class InlineWriter<C extends CommandTable> implements LedgerWriter<C> {
  constructor(
    private readonly ledger: Ledger,
    private readonly commands: C,
  ) {}

  run<K extends keyof C & string>(name: K, args: ArgsOf<C, K>): Promise<ResultOf<C, K>> {
    const command = this.commands[name] as (ledger: Ledger, args: ArgsOf<C, K>) => ResultOf<C, K>;
    return this.ledger.commit(() => command(this.ledger, args));
  }

  async close(): Promise<void> {
    // The ledger belongs to whoever passed it in.
  }
}

/**
 * Writes per message to the thread: enough to share a commit, few enough that the first of them
 * does not wait long for the rest (8 gave a lower p99 than 4 or 16 in the voice bench).
 */
const BATCH = 8;
export interface WriterThreadData {
  role: 'ledger-writer' | 'ledger-checkpointer';
  databasePath: string;
  keys: Array<{ id: string; key: string }>;
  /** Shared by the writer and the checkpointer of one database (see wal-cycle). */
  walSignal?: SharedArrayBuffer;
}
interface BatchRequest {
  id: number;
  items: Array<{ name: string; args: unknown }>;
}
type WireOutcome = { ok: true; value: unknown } | { ok: false; error: { name: string; message: string } };
interface BatchReply {
  id: number;
  outcomes: WireOutcome[];
}
interface Waiting {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Ledger writes on a second thread with its own SQLite connection. SQLite inserts, hashing the
 * chain and sealing personal fields cost more than answering the webhook, and the machine has a
 * second core: the event loop keeps parsing, validating and rendering while the writer commits.
 * A webhook still answers only after its write is committed.
 *
 * A third thread checkpoints the WAL. SQLite otherwise checkpoints inside whichever commit crosses
 * 1000 pages, and that commit then takes 10-15 ms instead of 0.5 (measured): every webhook waiting
 * on it would. Other connections of the process should not checkpoint either (`wal_autocheckpoint = 0`).
 * The writer finishes each of its rounds so that the WAL starts over (see sqlite/wal-cycle.ts).
 */
export class ThreadWriter<C extends CommandTable> implements LedgerWriter<C> {
  private worker: Worker | null = null;
  private checkpointer: Worker | null = null;
  private queued: Array<{ name: string; args: unknown } & Waiting> = [];
  private readonly inflight = new Map<number, Waiting[]>();
  private nextId = 1;
  private flushScheduled = false;
  private closed = false;
  private readonly walSignal = newWalSignal();

  /** `entry` is a module that calls `serveLedgerWriter` with the same command table. */
  constructor(
    private readonly entry: string,
    private readonly databasePath: string,
    private readonly keys: readonly KeyEntry[],
  ) {}

  run<K extends keyof C & string>(name: K, args: ArgsOf<C, K>): Promise<ResultOf<C, K>> {
    if (this.closed) return Promise.reject(new Error('ledger writer is closed'));
    return new Promise<ResultOf<C, K>>((resolve, reject) => {
      this.queued.push({ name, args, resolve: resolve as (value: unknown) => void, reject });
      // A full batch goes at once, so the thread starts committing while this one still parses.
      if (this.queued.length >= BATCH) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Lets the writes already sent finish, then stops the thread. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.queued.length > 0) this.flush();
    const checkpointer = this.checkpointer;
    this.checkpointer = null;
    if (checkpointer) await stopCheckpointer(checkpointer);
    const worker = this.worker;
    if (!worker) return;
    while (this.inflight.size > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    this.worker = null;
    await worker.terminate();
  }

  private flush(): void {
    this.flushScheduled = false;
    const items = this.queued;
    this.queued = [];
    if (items.length === 0) return;
    let worker: Worker;
    try {
      worker = this.worker ?? this.start();
      // PostgreSQL checkpoints its own write-ahead log.
      if (!isPostgresUrl(this.databasePath)) this.checkpointer ??= this.startCheckpointer();
    } catch (error) {
      for (const item of items) item.reject(error);
      return;
    }
    const id = this.nextId++;
    this.inflight.set(id, items);
    const request: BatchRequest = { id, items: items.map((i) => ({ name: i.name, args: i.args })) };
    try {
      worker.postMessage(request);
    } catch (error) {
      this.inflight.delete(id);
      for (const item of items) item.reject(error);
    }
  }

  private spawn(role: WriterThreadData['role']): Worker {
    return spawnLedgerThread(this.entry, {
      role,
      databasePath: this.databasePath,
      keys:
        role === 'ledger-writer' ? this.keys.map((k) => ({ id: k.id, key: k.key.toString('base64') })) : [],
      walSignal: this.walSignal,
    });
  }

  /** Dies quietly when it must: the next flush starts another, and until then the WAL just grows. */
  private startCheckpointer(): Worker {
    const checkpointer = this.spawn('ledger-checkpointer');
    checkpointer.unref();
    const lost = (): void => {
      if (this.checkpointer === checkpointer) this.checkpointer = null;
    };
    checkpointer.on('error', lost);
    checkpointer.on('exit', lost);
    return checkpointer;
  }

  private start(): Worker {
    const worker = this.spawn('ledger-writer');
    worker.on('message', (replies: BatchReply[]) => {
      for (const reply of replies) this.settle(reply);
    });
    // A thread that dies fails the writes it held; the next write starts a fresh one.
    const lost = (reason: string): void => {
      if (this.worker === worker) this.worker = null;
      const error = new Error(`ledger writer stopped: ${reason}`);
      for (const waiting of this.inflight.values()) for (const w of waiting) w.reject(error);
      this.inflight.clear();
    };
    worker.on('error', (error) => lost(error.message));
    worker.on('exit', (code) => lost(`exit code ${code}`));
    this.worker = worker;
    return worker;
  }

  private settle(reply: BatchReply): void {
    const waiting = this.inflight.get(reply.id);
    if (!waiting) return;
    this.inflight.delete(reply.id);
    waiting.forEach((w, i) => {
      const outcome = reply.outcomes[i];
      if (outcome?.ok) w.resolve(outcome.value);
      else {
        const error = new Error(outcome ? outcome.error.message : 'ledger writer lost the write');
        error.name = outcome?.error.name ?? 'Error';
        w.reject(error);
      }
    });
  }
}

/** A thread running `entry` (a module that calls serveLedgerWriter) in the given role. */
export function spawnLedgerThread(entry: string, data: WriterThreadData): Worker {
  return entry.endsWith('.ts')
    ? new Worker(typeScriptBootstrap(entry, require.resolve('@swc/core')), { eval: true, workerData: data })
    : new Worker(entry, { workerData: data });
}

/** The thread's side: one ledger connection, and every batch that arrived in one turn in one transaction. */
export function serveLedgerWriter(commands: CommandTable): void {
  const port = parentPort;
  const data = workerData as WriterThreadData | undefined;
  if (isMainThread || !port || !data) return;
  if (data.role === 'ledger-checkpointer') {
    const stop = checkpointForever(data.databasePath, data.walSignal);
    port.once('message', () => {
      stop();
      port.close();
    });
    return;
  }
  if (data.role !== 'ledger-writer') return;
  const keys: KeyEntry[] = data.keys.map((k) => ({ id: k.id, key: Buffer.from(k.key, 'base64') }));
  const ledger = new Ledger(data.databasePath, new KeyRing(keys));
  const sqlite = ledger.db.sqlite;
  const wal = sqlite ? new WriterWal(sqlite, data.databasePath, data.walSignal) : null;
  let pending: BatchRequest[] = [];
  const drain = (): void => {
    const batches = pending;
    pending = [];
    const fns = batches.flatMap((b) =>
      b.items.map((item) => () => {
        const command = commands[item.name] as ((l: Ledger, a: unknown) => unknown) | undefined;
        if (!command) throw new Error(`unknown ledger command ${item.name}`);
        return command(ledger, item.args);
      }),
    );
    const outcomes = ledger.runBatch(fns).map(toWire);
    // One message for every batch of the transaction: each message wakes the event loop once.
    let at = 0;
    const replies: BatchReply[] = batches.map((b) => {
      const reply = { id: b.id, outcomes: outcomes.slice(at, at + b.items.length) };
      at += b.items.length;
      return reply;
    });
    port.postMessage(replies);
    wal?.afterBatch();
  };
  port.on('message', (request: BatchRequest) => {
    if (pending.length === 0) setImmediate(drain);
    pending.push(request);
  });
}

/**
 * How long a checkpointer may take to stop by itself. A thread still starting reads the stop only
 * once it has loaded SQLite and opened its connection.
 */
const CHECKPOINTER_STOP_MS = 10_000;

/**
 * Asks the checkpointer to stop rather than terminating it: a thread terminated while it loads
 * better-sqlite3's native module aborts the whole process on Node 24 ("FATAL ERROR: Error::New
 * napi_get_last_error_info", seen when a test closed a writer it had just started). Terminated
 * only if it does not end in time.
 */
export async function stopCheckpointer(checkpointer: Worker): Promise<void> {
  const exited = new Promise<void>((resolve) => checkpointer.once('exit', () => resolve()));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), CHECKPOINTER_STOP_MS);
  });
  try {
    checkpointer.postMessage('stop');
  } catch {
    // Already gone.
  }
  if ((await Promise.race([exited, late])) === 'late') await checkpointer.terminate();
  clearTimeout(timer);
}

function toWire(outcome: BatchOutcome): WireOutcome {
  if (outcome.ok) return outcome;
  const error = outcome.error instanceof Error ? outcome.error : new Error(String(outcome.error));
  return { ok: false, error: { name: error.name, message: error.message } };
}

/** The thread's entry next to the calling module: compiled `.js` in production, `.ts` under jest. */
export function siblingEntry(dir: string, name: string): string {
  const js = path.join(dir, `${name}.js`);
  return fs.existsSync(js) ? js : path.join(dir, `${name}.ts`);
}

/** Under jest the sources are TypeScript; the thread compiles them with swc, as jest does. */
export function typeScriptBootstrap(entry: string, swcPath: string): string {
  return `
const fs = require('node:fs');
const swc = require(${JSON.stringify(swcPath)});
require.extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
require(${JSON.stringify(entry)});
`;
}
