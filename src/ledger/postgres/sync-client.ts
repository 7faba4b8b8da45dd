import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

/**
 * A synchronous PostgreSQL connection: the pure-JS `pg` client runs on a helper thread, and the
 * calling thread blocks on a shared flag (Atomics.wait) until the answer is there. The ledger's
 * domain code is synchronous (it was written for better-sqlite3), and this keeps it one body of
 * code for both engines without a native module to rebuild per Node version (pg-native/libpq
 * measured faster per round trip, but cannot be loaded in worker threads, and the writer runs in one).
 */

/** The helper thread's code: plain JavaScript, so it runs the same under jest and from dist. */
const THREAD_SOURCE = `
const { workerData } = require('node:worker_threads');
const pg = require(workerData.pgPath);
// Integers the ledger counts with (ids, sequence numbers, ms times, COUNT/SUM) come back as numbers.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));
// flag[0] counts answers (the caller waits for it to move); flag[1] is set when this thread ends.
const flag = new Int32Array(workerData.flag);
const port = workerData.port;
let client = null;
let current = 0;
const names = new Map();
function answer(reply) {
  port.postMessage({ id: current, ...reply });
  Atomics.add(flag, 0, 1);
  Atomics.notify(flag, 0);
}
process.on('exit', () => { Atomics.store(flag, 1, 1); Atomics.notify(flag, 0); });
async function connection() {
  if (client) return client;
  const c = new pg.Client({ connectionString: workerData.url, application_name: 'consent-gateway' });
  // A lost connection fails the statement in flight; the next statement connects again.
  c.on('error', () => { if (client === c) { client = null; names.clear(); } });
  await c.connect();
  client = c;
  return c;
}
// Nothing may leave the caller waiting: whatever breaks here is its answer.
process.on('uncaughtException', (error) => answer({ ok: false, error: wire(error) }));
function wire(error) {
  const e = error || {};
  return { message: String(e.message || e), code: e.code, detail: e.detail, constraint: e.constraint };
}
port.on('message', async (m) => {
  current = m.id;
  try {
    if (m.close) { if (client) await client.end(); answer({ ok: true, rows: [], fields: [], rowCount: 0 }); port.close(); return; }
    const c = await connection();
    if (m.exec !== undefined) { await c.query(m.exec); answer({ ok: true, rows: [], fields: [], rowCount: 0 }); return; }
    const values = m.values.map((v) => (v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v));
    let name;
    if (m.prepared) {
      name = names.get(m.text);
      if (!name) { name = 's' + names.size; names.set(m.text, name); }
    }
    const r = await c.query({ text: m.text, values, name, rowMode: 'array' });
    answer({ ok: true, rows: r.rows, fields: r.fields.map((f) => f.name), rowCount: r.rowCount || 0 });
  } catch (error) {
    answer({ ok: false, error: wire(error) });
  }
});
answer({ ok: true, rows: [], fields: [], rowCount: 0 });
`;

export interface QueryResult {
  fields: string[];
  rows: unknown[][];
  rowCount: number;
}

type Reply = { id: number } & (({ ok: true } & QueryResult) | { ok: false; error: PgErrorFields });
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

/** How long one statement may take before the caller gives up on the connection (a lock wait included). */
const ANSWER_WAIT_MS = 120_000;

export class SyncPgClient {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  /** [0]: answers given so far; [1]: 1 once the thread ended. */
  private readonly flag = new Int32Array(new SharedArrayBuffer(8));
  private sent = 0;
  private closed = false;

  constructor(readonly url: string) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: { url, flag: this.flag.buffer, port: port2, pgPath: require.resolve('pg') },
      transferList: [port2],
    });
    // The thread must never keep a finished process alive; it dies with its owner.
    this.worker.unref();
    this.port.unref();
    this.await(0, 'starting the PostgreSQL thread');
  }

  /** One statement with parameters; `prepared` keeps it parsed on the server for the next call. */
  query(text: string, values: unknown[], prepared = true): QueryResult {
    return this.send({ text, values: values.map(toWire), prepared }, text);
  }

  /** Statements without parameters, several at once allowed (migrations, BEGIN/COMMIT). */
  exec(text: string): void {
    this.send({ exec: text }, text);
  }

  close(): void {
    if (this.closed) return;
    try {
      this.send({ close: true }, 'closing');
    } finally {
      this.closed = true;
      void this.worker.terminate();
    }
  }

  private send(message: object, what: string): QueryResult {
    if (this.closed) throw new Error('the PostgreSQL connection is closed');
    const id = ++this.sent;
    this.port.postMessage({ ...message, id });
    return this.await(id, what);
  }

  /**
   * Waits for the answer to request `id`. The thread counts its answers in flag[0]; the answer is
   * read from the port, and one that belongs to an earlier request (given up on) is dropped.
   */
  private await(id: number, what: string): QueryResult {
    const deadline = Date.now() + ANSWER_WAIT_MS;
    for (;;) {
      const seen = Atomics.load(this.flag, 0);
      const received = receiveMessageOnPort(this.port) as { message: Reply } | undefined;
      if (received) {
        const reply = received.message;
        if (reply.id !== id) continue;
        if (!reply.ok) throw new PgError(reply.error);
        return reply;
      }
      if (Atomics.load(this.flag, 1) === 1) throw new Error('the PostgreSQL thread stopped');
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`PostgreSQL did not answer within ${ANSWER_WAIT_MS / 1000} s: ${what.slice(0, 80)}`);
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
