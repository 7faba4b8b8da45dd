import type { Db, RunResult, Statement, Transaction } from '../driver';
import { bind, translate, type Translated } from './dialect';
import { PG_MIGRATIONS } from './migrations';
import { cursorPages } from './cursor';
import { SyncPgClient, type Deferred, type QueryResult } from './sync-client';

/**
 * Every write transaction on the shared ledger takes this advisory lock first, the analogue of
 * SQLite's BEGIN IMMEDIATE: appends from any number of instances are serialised, so the hash chain
 * stays one chain (gapless, fork-free) and every read inside the transaction sees all commits before it.
 * Released by COMMIT or ROLLBACK; a crashed instance's connection drops and with it the lock.
 */
export const WRITE_LOCK = 0x636f6e73656e74; // "consent"
/** Held (per session) while one instance migrates; the others wait, then find nothing left to do. */
export const MIGRATION_LOCK = WRITE_LOCK + 1;
const WRITE_BEGIN = `BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK})`;
/** One snapshot of every table for the whole transaction; writing in it fails (it holds no lock). */
const SNAPSHOT_BEGIN = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';

/** The shared engine's adapter: the storage interface over one PostgreSQL connection. */
export class PgDb implements Db {
  readonly engine = 'postgres' as const;
  readonly sqlite = null;
  private depth = 0;
  /** Iterations under way (each a cursor), and how many were ever opened (their names). */
  private iterating = 0;
  private cursors = 0;

  constructor(readonly client: SyncPgClient) {}

  prepare(sql: string): Statement {
    return new PgStatement(this, translated(sql));
  }

  exec(sql: string): void {
    this.client.exec(sql);
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  transaction<A extends unknown[], R>(fn: (...args: A) => R): Transaction<A, R> {
    const run = (...args: A): R => this.inTx(() => fn(...args), WRITE_BEGIN);
    // Deferred is for reading one state of the whole ledger (consent verify): a snapshot without
    // the write lock, so the webhooks' writes go on meanwhile, however long the reading takes.
    const snapshot = (...args: A): R => this.inTx(() => fn(...args), SNAPSHOT_BEGIN);
    return Object.assign(run, { immediate: run, deferred: snapshot, exclusive: run });
  }

  private inTx<R>(fn: () => R, beginWith: string): R {
    if (this.depth > 0) return this.savepoint(fn);
    // As SQLite's "connection is busy": the iteration's read-only transaction holds the connection.
    if (this.iterating > 0)
      throw new Error('a transaction cannot begin while this connection iterates a query');
    // Sent with the transaction's first statement: the lock is taken before its first read.
    const begin = this.client.defer(beginWith);
    this.client.pin();
    this.depth = 1;
    try {
      const value = fn();
      // A transaction that wrote and read nothing has nothing to commit.
      if (!begin.settled && this.client.queuedCount === 1) this.client.discard();
      else this.client.exec('COMMIT');
      return value;
    } catch (error) {
      const sent = begin.settled;
      this.client.discard();
      // On whatever connection is live: a lost one rolled back by itself.
      this.client.unpin();
      if (sent) {
        try {
          this.client.exec('ROLLBACK');
        } catch {
          // A lost connection rolled back already.
        }
      }
      throw error;
    } finally {
      this.client.unpin();
      this.depth = 0;
    }
  }

  /** A write inside the open transaction goes with the next statement that is waited for. */
  deferred(text: string, values: unknown[]): Deferred | null {
    return this.depth > 0 ? this.client.defer(text, values) : null;
  }

  private savepoint<R>(fn: () => R): R {
    const name = `sp${this.depth}`;
    this.client.exec(`SAVEPOINT ${name}`);
    this.depth += 1;
    try {
      const value = fn();
      // Whatever failed inside must fail here, where the savepoint can still undo it.
      this.client.flush();
      this.client.defer(`RELEASE SAVEPOINT ${name}`);
      return value;
    } catch (error) {
      this.client.discard();
      this.client.exec(`ROLLBACK TO SAVEPOINT ${name}; RELEASE SAVEPOINT ${name}`);
      throw error;
    } finally {
      this.depth -= 1;
    }
  }

  /** The rows of a query a page at a time (see cursorPages); outside a transaction, in a read-only one. */
  *pages(text: string, values: unknown[]): Generator<QueryResult, void, undefined> {
    const client = this.client;
    const own = this.depth === 0 && this.iterating === 0;
    const readOnly = {
      begin: () => {
        client.pin();
        client.exec('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      },
      end: (failed: boolean) => {
        try {
          client.exec('COMMIT');
        } catch (error) {
          // A failure before already ended it (or the connection): that failure is the one to see.
          if (!failed) throw error;
        } finally {
          client.unpin();
        }
      },
    };
    this.iterating += 1;
    try {
      yield* cursorPages(client, `iterate_${++this.cursors}`, text, values, own ? readOnly : null);
    } finally {
      this.iterating -= 1;
    }
  }

  close(): void {
    this.client.close();
  }
}

class PgStatement implements Statement {
  private plucked = false;

  constructor(
    private readonly db: PgDb,
    private readonly sql: Translated,
  ) {}

  private query(params: unknown[]): QueryResult {
    return this.db.client.query(this.sql.text, bind(this.sql.order, params));
  }

  run(...params: unknown[]): RunResult {
    const values = bind(this.sql.order, params);
    const pending = this.db.deferred(this.sql.text, values);
    return pending
      ? new PendingRun(pending, this.db)
      : runResult(this.db.client.query(this.sql.text, values));
  }

  get(...params: unknown[]): unknown {
    const r = this.query(params);
    const row = r.rows[0];
    return row ? this.shape(r.fields, row) : undefined;
  }

  getLater(...params: unknown[]): () => unknown {
    const pending = this.db.client.defer(this.sql.text, bind(this.sql.order, params));
    return () => {
      if (!pending.settled) this.db.client.flush();
      const { result, error } = pending;
      if (error || !result) throw error ?? new Error('the read was never sent');
      const row = result.rows[0];
      return row ? this.shape(result.fields, row) : undefined;
    };
  }

  all(...params: unknown[]): unknown[] {
    const r = this.query(params);
    return r.rows.map((row) => this.shape(r.fields, row));
  }

  *iterate(...params: unknown[]): IterableIterator<unknown> {
    for (const page of this.db.pages(this.sql.text, bind(this.sql.order, params)))
      for (const row of page.rows) yield this.shape(page.fields, row);
  }

  pluck(toggle = true): this {
    this.plucked = toggle;
    return this;
  }

  private shape(fields: string[], row: unknown[]): unknown {
    if (this.plucked) return fromWire(row[0]);
    const out: Record<string, unknown> = {};
    fields.forEach((name, i) => {
      out[name] = fromWire(row[i]);
    });
    return out;
  }
}

/** With RETURNING, the first column of the first row stands in for SQLite's rowid. */
function runResult(r: QueryResult): { changes: number; lastInsertRowid: number } {
  const first = r.rows[0]?.[0];
  return { changes: r.rowCount, lastInsertRowid: typeof first === 'number' ? first : 0 };
}

/** The result of a write not sent yet: reading it sends it (and what is queued before it). */
class PendingRun implements RunResult {
  constructor(
    private readonly pending: Deferred,
    private readonly db: PgDb,
  ) {}

  get changes(): number {
    return this.outcome().changes;
  }

  get lastInsertRowid(): number {
    return this.outcome().lastInsertRowid;
  }

  private outcome(): { changes: number; lastInsertRowid: number } {
    if (!this.pending.settled) this.db.client.flush();
    const { result, error } = this.pending;
    if (error || !result) throw error ?? new Error('the statement was never sent');
    return runResult(result);
  }
}

/** The domain code prepares the same few texts again and again: each is translated once. */
const translations = new Map<string, Translated>();
function translated(sql: string): Translated {
  let t = translations.get(sql);
  if (!t) {
    if (translations.size > 1000) translations.clear();
    t = translate(sql);
    translations.set(sql, t);
  }
  return t;
}

/** BYTEA crosses the thread as a Uint8Array: the ledger expects a Buffer, as better-sqlite3 gives. */
function fromWire(value: unknown): unknown {
  if (value instanceof Uint8Array && !Buffer.isBuffer(value))
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return value;
}

/** Connects and brings the schema up to date; instances starting at the same moment migrate once. */
export function openPostgres(url: string): PgDb {
  const client = new SyncPgClient(url);
  try {
    migrate(client);
  } catch (error) {
    client.close();
    throw error;
  }
  return new PgDb(client);
}

function migrate(client: SyncPgClient): void {
  // A migration may rewrite a large table, and waits while another instance migrates.
  const ordinary = client.answerLimitMs;
  client.answerLimitMs = 600_000;
  client.exec(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
  try {
    client.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (id BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    const applied = new Set(
      client.query('SELECT id FROM schema_migrations', [], false).rows.map((r) => r[0] as number),
    );
    for (const migration of PG_MIGRATIONS) {
      if (applied.has(migration.id)) continue;
      client.exec('BEGIN');
      try {
        client.exec(migration.sql);
        client.query(
          'INSERT INTO schema_migrations (id, name, applied_at) VALUES ($1, $2, $3)',
          [migration.id, migration.name, new Date().toISOString()],
          false,
        );
        client.exec('COMMIT');
      } catch (error) {
        client.exec('ROLLBACK');
        throw error;
      }
    }
  } finally {
    client.exec(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`);
    client.answerLimitMs = ordinary;
  }
}
