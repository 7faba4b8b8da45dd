import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { coalesceInserts } from './insert-rows';
import { THREAD_SOURCE } from './pg-thread';

/**
 * A synchronous PostgreSQL connection: the pure-JS `pg` client runs on a helper thread, and the
 * calling thread blocks on a shared flag (Atomics.wait) until the answer is there. The ledger's
 * domain code is synchronous (it was written for better-sqlite3), and this keeps it one body of
 * code for both engines without a native module to rebuild per Node version (pg-native/libpq
 * measured faster per round trip, but cannot be loaded in worker threads, and the writer runs in one).
 */

export interface QueryResult {
  fields: string[];
  rows: unknown[][];
  rowCount: number;
}

type Reply = { id: number; generation?: number } & (
  { ok: true; results: QueryResult[] } | { ok: false; error: PgErrorFields; index: number }
);
/** A statement as it crosses to the thread: without values it is sent as a simple query (several allowed). */
interface WireStatement {
  text: string;
  values?: unknown[];
  prepared?: boolean;
}
interface PgErrorFields {
  message: string;
  code?: string;
  detail?: string;
  constraint?: string;
}

/** An error PostgreSQL reported; `code` is its SQLSTATE (23505 unique violation, 40P01 deadlock...). */
export class PgError extends Error {
  readonly code: string | undefined;
  readonly detail: string | undefined;
  constructor(fields: PgErrorFields) {
    super(fields.message);
    this.name = 'PgError';
    this.code = fields.code;
    this.detail = fields.detail;
  }
}

const NO_ROWS: QueryResult = { fields: [], rows: [], rowCount: 0 };
const ONE_ROW: QueryResult = { fields: [], rows: [], rowCount: 1 };

/** A joined insert that reports fewer rows than it joined (a trigger skipped one): not one of ours. */
function joinedRowsMissing(results: QueryResult[], rows: number[]): Error | null {
  const short = rows.findIndex((n, i) => n > 1 && results[i]?.rowCount !== n);
  return short < 0 ? null : new Error(`a joined insert of ${rows[short]} rows stored fewer`);
}

/** How long one message may take by default (a lock wait included): the CLI and tools. */
const ANSWER_WAIT_MS = 120_000;
/**
 * The limit of a message in a process that serves webhooks. A webhook may wait on two of them one
 * after the other (the writer thread's write, then a read of the main thread for its fail-safe
 * answer), and both must end well within Twilio's 15 s. Past it the helper thread answers with an
 * error and reconnects (pg-thread.ts).
 */
export const SERVING_ANSWER_MS = 5_000;
let defaultLimitMs = ANSWER_WAIT_MS;

/**
 * How long PostgreSQL lets a session of the CLI and tools sit idle inside a transaction before it
 * ends the session (idle_in_transaction_session_timeout, set at connect): a `consent` command
 * suspended with Ctrl-Z while it holds the write lock releases it after this, not never. Their
 * transactions (a migration, `consent migrate-to-postgres`) wait on nothing but the next statement.
 */
export const TOOL_IDLE_IN_TRANSACTION_MS = 60_000;
/**
 * The same for the sessions of a process that serves webhooks. A frozen instance (SIGSTOP, a
 * paused VM, a network that stops moving bytes) otherwise holds the ledger's write lock for as
 * long as its session lives, which the server never ends by itself: every other instance's writes
 * wait on it. The instance has two sessions (main and writer thread), and the one waiting for the
 * lock when it froze gets it when the other is ended, and holds it in turn: twice this must stay
 * below SERVING_ANSWER_MS, so that the others' writes waiting on such a lock get it before their
 * own limit gives up on them. Their transactions are synchronous code between round trips, so an
 * idle gap of this length is an instance that stopped, not one that works.
 */
export const SERVING_IDLE_IN_TRANSACTION_MS = 2_000;
let defaultIdleInTransactionMs = TOOL_IDLE_IN_TRANSACTION_MS;

/**
 * From now on, connections made on this thread give a message `ms` and let their sessions sit
 * idle in a transaction for `idleInTransactionMs` at most (the service's main and writer threads
 * call it); long work such as migrations still raises the message limit for its own statements.
 */
export function limitPostgresRoundTrips(
  ms: number,
  idleInTransactionMs = SERVING_IDLE_IN_TRANSACTION_MS,
): void {
  defaultLimitMs = ms;
  defaultIdleInTransactionMs = idleInTransactionMs;
}

/** A statement sent later, with the next one that is waited for; its outcome lands here then. */
export class Deferred {
  result: QueryResult | null = null;
  error: Error | null = null;
  get settled(): boolean {
    return this.result !== null || this.error !== null;
  }
}

export class SyncPgClient {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  /** [0]: answers given so far; [1]: 1 once the thread ended. */
  private readonly flag = new Int32Array(new SharedArrayBuffer(8));
  private sent = 0;
  private closed = false;
  private queued: Array<{ statement: WireStatement; slot: Deferred }> = [];
  /** Messages answered by the thread so far: each one is a round trip, to the thread and to the server. */
  roundTrips = 0;
  /** Each message's limit; long work (migrations) raises it for its own statements. */
  answerLimitMs = defaultLimitMs;
  /** Inside a transaction: the connection it began on ('next': the next message's), else null. */
  private pinned: number | 'next' | null = null;

  constructor(readonly url: string) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: {
        url,
        flag: this.flag.buffer,
        port: port2,
        pgPath: require.resolve('pg'),
        idleInTransactionMs: defaultIdleInTransactionMs,
      },
      transferList: [port2],
    });
    // The thread must never keep a finished process alive; it dies with its owner.
    this.worker.unref();
    this.port.unref();
    this.await(0, 'starting the PostgreSQL thread');
  }

  /** One statement with parameters; `prepared` keeps it parsed on the server for the next call. */
  query(text: string, values: unknown[], prepared = true): QueryResult {
    return this.send({ text, values: values.map(toWire), prepared });
  }

  /** Statements without parameters, several at once allowed (migrations, BEGIN/COMMIT). */
  exec(text: string): void {
    this.send({ text });
  }

  /**
   * Queues a statement whose answer nobody needs yet: it travels with the next statement that is
   * waited for (or `flush`), and its failure is thrown there. Only inside a transaction, which
   * such a failure dooms anyway: the COMMIT that ends it is waited for, so none is lost.
   */
  defer(text: string, values?: unknown[], prepared = true): Deferred {
    const slot = new Deferred();
    // Copied now: a buffer the caller reuses before the statement is sent must not change it.
    const copy = (v: unknown): unknown => (v instanceof Uint8Array ? Buffer.from(v) : toWire(v));
    const statement = values === undefined ? { text } : { text, values: values.map(copy), prepared };
    this.queued.push({ statement, slot });
    return slot;
  }

  /** From now on every message must run on the connection the next one runs on (a transaction). */
  pin(): void {
    this.pinned = 'next';
  }

  unpin(): void {
    this.pinned = null;
  }

  get queuedCount(): number {
    return this.queued.length;
  }

  /** Sends what is queued, if anything; throws the first failure among it. */
  flush(): void {
    if (this.queued.length > 0) this.sendQueued([]);
  }

  /** Drops what is queued and not sent yet (its transaction is rolled back); says how many. */
  discard(): number {
    const dropped = this.queued.length;
    for (const q of this.queued) q.slot.error = new Error('the statement was rolled back before it was sent');
    this.queued = [];
    return dropped;
  }

  close(): void {
    if (this.closed) return;
    this.discard();
    try {
      this.roundTrip({ close: true }, 'closing');
    } finally {
      this.closed = true;
      void this.worker.terminate();
    }
  }

  private send(statement: WireStatement): QueryResult {
    const slot = new Deferred();
    this.sendQueued([{ statement, slot }]);
    return slot.result ?? NO_ROWS;
  }

  /** The queued statements and `last` in one message; every slot is settled, the first failure thrown. */
  private sendQueued(last: Array<{ statement: WireStatement; slot: Deferred }>): void {
    const batch = this.queued.concat(last);
    const sent = coalesceInserts(
      batch.map((b) => b.statement),
      this.queued.length,
    );
    this.queued = [];
    let reply: Reply;
    try {
      const generation = typeof this.pinned === 'number' ? this.pinned : undefined;
      reply = this.roundTrip(
        { statements: sent.statements, generation },
        batch[batch.length - 1]?.statement.text ?? '',
      );
      if (this.pinned === 'next' && reply.generation !== undefined) this.pinned = reply.generation;
    } catch (error) {
      for (const b of batch) b.slot.error = error as Error;
      throw error;
    }
    const error = reply.ok ? joinedRowsMissing(reply.results, sent.rows) : new PgError(reply.error);
    if (error || !reply.ok) {
      for (const b of batch) b.slot.error = error;
      throw error;
    }
    batch.forEach((b, i) => {
      const carrier = sent.carrier[i] ?? i;
      // A row of a joined insert: it went in (else the statement, and the transaction, failed).
      b.slot.result = (sent.rows[carrier] ?? 1) > 1 ? ONE_ROW : (reply.results[carrier] ?? NO_ROWS);
    });
  }

  private roundTrip(message: object, what: string): Reply {
    if (this.closed) throw new Error('the PostgreSQL connection is closed');
    const id = ++this.sent;
    this.port.postMessage({ ...message, id, limitMs: this.answerLimitMs });
    this.roundTrips += 1;
    return this.await(id, what);
  }

  /**
   * Waits for the answer to request `id`. The thread counts its answers in flag[0]; the answer is
   * read from the port, and one that belongs to an earlier request (given up on) is dropped.
   */
  private await(id: number, what: string): Reply {
    // The thread answers at the message's limit; this is the backstop should the thread itself hang.
    const wait = (id === 0 ? ANSWER_WAIT_MS : this.answerLimitMs) + 5_000;
    const deadline = Date.now() + wait;
    for (;;) {
      const seen = Atomics.load(this.flag, 0);
      const received = receiveMessageOnPort(this.port) as { message: Reply } | undefined;
      if (received) {
        const reply = received.message;
        if (reply.id !== id) continue;
        return reply;
      }
      if (Atomics.load(this.flag, 1) === 1) throw new Error('the PostgreSQL thread stopped');
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`PostgreSQL did not answer within ${wait / 1000} s: ${what.slice(0, 80)}`);
      // Returns at once if an answer came since `seen` was read (its message is then on the port).
      Atomics.wait(this.flag, 0, seen, Math.min(left, 1000));
    }
  }
}

/** Values as `pg` sends them: bigint as its decimal text, Buffers as they are. */
function toWire(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value === undefined) return null;
  // SQLite stores NaN as NULL; PostgreSQL would refuse the statement.
  if (typeof value === 'number' && Number.isNaN(value)) return null;
  return value;
}
