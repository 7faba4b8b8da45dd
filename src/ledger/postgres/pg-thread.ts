/**
 * The helper thread's code (see SyncPgClient), plain JavaScript so that it runs the same under
 * jest and from dist.
 *
 * Each message is a list of statements: they go to the server at once, in one write, on a
 * connection in `pg`'s pipeline mode (every statement keeps its own Sync, so the answers come back
 * in order), and the thread answers once all of them are answered. A transaction's writes that
 * nobody waits for therefore cost one round trip together with the next statement that is waited
 * for, instead of one round trip each: both between the threads and to the server.
 *
 * Each answer names the connection it ran on; a message that names one (the rest of a transaction)
 * is refused unless that connection is still the live one, so a lost connection never lets the
 * rest of a transaction, or its COMMIT, run on a fresh one without the work before it.
 *
 * A database that does not answer at all (a network that stops moving bytes, a hung host: nothing
 * refused, nothing reset) must not hold the caller, whose thread may be serving webhooks: a
 * message not answered within its limit is answered with an error and its connection dropped, a
 * connection not made within CONNECT_MS fails, and after either the thread answers every message
 * at once with an error (SQLSTATE 08006) while it reconnects in the background (every 250 ms). A
 * connection refused at once (a server stopped or restarting) is tried again by the next message.
 */
export const THREAD_SOURCE = `
const { workerData } = require('node:worker_threads');
const pg = require(workerData.pgPath);
// Integers the ledger counts with (ids, sequence numbers, ms times, COUNT/SUM) come back as numbers.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));
// flag[0] counts answers (the caller waits for it to move); flag[1] is set when this thread ends.
const flag = new Int32Array(workerData.flag);
const port = workerData.port;
let client = null;
const CONNECT_MS = 5000;
// Set while the server is unreachable (why); cleared once a background connection succeeds.
let down = null;
let probing = false;
let closing = false;
// Counts connections made: a transaction begun on one must never go on (or commit) on another.
let generation = 0;
let current = 0;
// Per connection: its generation, and the names of the statements prepared on it.
const generationOf = new WeakMap();
const namesOf = new WeakMap();
// One connection attempt at a time (messages and the background probe share it); an attempt that
// began before the connection was given up on is ended, not used: nothing may run on a connection
// the caller was already told is gone (an orphan left in a transaction would hold the write lock).
let connecting = null;
let epoch = 0;
function answer(id, reply) {
  port.postMessage({ id, ...reply });
  Atomics.add(flag, 0, 1);
  Atomics.notify(flag, 0);
}
process.on('exit', () => { Atomics.store(flag, 1, 1); Atomics.notify(flag, 0); });
function open() {
  if (connecting) return connecting;
  const at = epoch;
  connecting = (async () => {
    // Keepalives: a connection to a host that went away is found dead while it idles, not at
    // the next statement.
    const c = new pg.Client({ connectionString: workerData.url, application_name: 'consent-gateway', pipeline: true, connectionTimeoutMillis: CONNECT_MS, keepAlive: true, keepAliveInitialDelayMillis: 10000 });
    // A lost connection fails the statements in flight; the next message connects again.
    c.on('error', () => { if (client === c) client = null; });
    await c.connect();
    // Bounded on the server's side, whatever happens to this process: a session left idle inside
    // a transaction (this process frozen, its network gone) is ended by PostgreSQL after
    // idleInTransactionMs, and with it the write lock it holds; the server's own keepalives find a
    // client host that went away. Sent as statements, not startup parameters, which poolers refuse.
    try {
      await c.query('SET idle_in_transaction_session_timeout = ' + Math.floor(workerData.idleInTransactionMs) +
        '; SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3');
    } catch (error) {
      c.end().catch(() => undefined);
      throw error;
    }
    if (at !== epoch || closing) {
      c.end().catch(() => undefined);
      throw unreachable();
    }
    generation += 1;
    generationOf.set(c, generation);
    namesOf.set(c, new Map());
    client = c;
    down = null;
    return c;
  })().finally(() => { connecting = null; });
  return connecting;
}
function unreachable() {
  return Object.assign(new Error('PostgreSQL is unreachable (' + (down || 'connection given up') + '); reconnecting'), { code: '08006' });
}
function markDown(reason) {
  const c = client;
  client = null;
  epoch += 1;
  if (c) { try { c.connection.stream.destroy(); } catch (e) { /* already gone */ } }
  if (!down) down = reason;
  if (probing) return;
  probing = true;
  (async () => {
    while (down && !closing) {
      await new Promise((r) => setTimeout(r, 250));
      try { await open(); } catch (e) { /* still unreachable */ }
    }
    probing = false;
  })();
}
async function connection() {
  if (client) return client;
  if (down) throw unreachable();
  const started = Date.now();
  try {
    return await open();
  } catch (error) {
    // Refused at once (stopped, restarting): the next message simply tries again. A connection
    // that hangs is what the next callers must not wait for.
    const reason = String((error && error.message) || error);
    if (!down && Date.now() - started >= 1000) markDown(reason);
    // A connection timed out or cut without a SQLSTATE ('timeout expired'): say what it means.
    if (!error || !error.code) throw Object.assign(new Error('PostgreSQL is unreachable (' + reason + ')'), { code: '08001' });
    throw error;
  }
}
// Nothing may leave the caller waiting: whatever breaks here is its answer.
process.on('uncaughtException', (error) => answer(current, { ok: false, error: wire(error), index: 0 }));
function wire(error) {
  const e = error || {};
  return { message: String(e.message || e), code: e.code, detail: e.detail, constraint: e.constraint };
}
function nameOf(c, text) {
  const names = namesOf.get(c);
  let name = names.get(text);
  if (!name) { name = 's' + names.size; names.set(text, name); }
  return name;
}
function submit(c, s) {
  if (s.values === undefined) return c.query(s.text);
  const values = s.values.map((v) => (v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v));
  return c.query({ text: s.text, values, name: s.prepared ? nameOf(c, s.text) : undefined, rowMode: 'array' });
}
function shape(r) {
  // A simple query of several statements answers with one result each; only the last one counts.
  const last = Array.isArray(r) ? r[r.length - 1] : r;
  if (!last || !last.fields) return { rows: [], fields: [], rowCount: 0 };
  return { rows: last.rows, fields: last.fields.map((f) => f.name), rowCount: last.rowCount || 0 };
}
port.on('message', async (m) => {
  const id = m.id;
  current = id;
  let answered = false;
  const once = (reply) => { if (!answered) { answered = true; answer(id, reply); } };
  // The limit of this message: past it, the caller has its answer and the connection is dropped.
  const watchdog = m.limitMs ? setTimeout(() => {
    const message = 'PostgreSQL did not answer within ' + m.limitMs / 1000 + ' s';
    markDown(message);
    once({ ok: false, error: { message, code: '08006' }, index: 0 });
  }, m.limitMs) : null;
  try {
    if (m.close) {
      closing = true;
      if (client) await client.end().catch(() => undefined);
      once({ ok: true, results: [] });
      port.close();
      return;
    }
    if (m.generation !== undefined && (client === null || m.generation !== generationOf.get(client))) {
      const message = 'the PostgreSQL connection was lost inside a transaction: nothing of it was committed';
      once({ ok: false, error: { message, code: '08003' }, index: 0 });
      return;
    }
    const c = await connection();
    // Answered meanwhile (the limit passed while connecting): the caller has moved on.
    if (answered) return;
    const ran = generationOf.get(c);
    // One write for the whole list (pg corks each statement's messages; this joins the statements).
    const stream = c.connection && c.connection.stream;
    if (stream && stream.cork) stream.cork();
    let pending;
    try {
      pending = m.statements.map((s) => submit(c, s));
    } finally {
      if (stream && stream.uncork) stream.uncork();
    }
    const settled = await Promise.allSettled(pending);
    const index = settled.findIndex((s) => s.status === 'rejected');
    if (index >= 0) once({ ok: false, error: wire(settled[index].reason), index, generation: ran });
    else once({ ok: true, results: settled.map((s) => shape(s.value)), generation: ran });
  } catch (error) {
    once({ ok: false, error: wire(error), index: 0 });
  } finally {
    if (watchdog) clearTimeout(watchdog);
  }
});
answer(0, { ok: true, results: [] });
`;
