import fs from 'node:fs';
import os from 'node:os';
import { BUSY_TIMEOUT_MS, openSqlite } from './open';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * Keeping the writer's WAL short and its file reused. Writing a frame into a WAL file that already
 * has that length costs the kernel half as much as growing the file (measured: 15-20 µs less system
 * time per new call or answer), and SQLite starts the WAL over only when a write transaction begins
 * with every frame copied into the database. A checkpointer on its own thread copies the bulk; it
 * cannot catch up alone while the writer commits every few milliseconds, so after each of its
 * rounds it raises a flag, and the writer, between two batches, copies the few frames committed
 * since (a PASSIVE checkpoint of a fraction of a second's frames, at most once a second): its next
 * transaction then starts the WAL over at the beginning of the file. Without this the WAL grew
 * past 200 MB in a 5 s bench round.
 */

/**
 * How often the checkpointer copies committed WAL pages into the database file: often, so that
 * what the writer has left to copy when it finishes a round is a fraction of a second's frames.
 */
export const CHECKPOINT_MS = 250;
/**
 * How often at most the writer finishes a round. Finishing syncs the WAL and the database file
 * (synchronous = NORMAL does at every checkpoint): 20 ms median on the test machine's disk, while
 * every webhook waits for the writer. Once a second keeps that to one short stall a second.
 */
export const WAL_RESTART_MS = 1000;
/**
 * The WAL file is cut back to this when it starts over; frames within it overwrite, not grow. A
 * second of writes at 5,000 new calls a second is about 130 MB.
 */
export const WAL_SIZE_LIMIT = 256 * 1024 * 1024;
/**
 * Should the WAL still grow (a reader holding an old snapshot keeps it from starting over), past
 * this size the writer itself, between two batches, checkpoints the rest and restarts it.
 */
const WAL_FORCE_RESTART = 1024 * 1024 * 1024;

/** One flag the checkpointer raises after each round and the writer lowers when it finishes it. */
export type WalSignal = Int32Array;

export function newWalSignal(): SharedArrayBuffer {
  return new SharedArrayBuffer(4);
}

function walSize(databasePath: string): number {
  try {
    return fs.statSync(`${databasePath}-wal`).size;
  } catch {
    return 0;
  }
}

/** Runs a checkpoint without waiting for a lock: if the checkpointer or a reader holds one, next time. */
function checkpointNow(db: BetterSqlite3.Database, mode: 'PASSIVE' | 'RESTART'): void {
  db.pragma('busy_timeout = 0');
  try {
    db.pragma(`wal_checkpoint(${mode})`);
  } catch {
    // Busy: the next round tries again.
  } finally {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }
}

/** The writer's side: its connection never checkpoints inside a commit, and finishes the checkpointer's rounds. */
export class WriterWal {
  private readonly flag: WalSignal | null;
  private sizeCheckedAt = Date.now();
  private finishedAt = 0;

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly databasePath: string,
    signal: SharedArrayBuffer | undefined,
  ) {
    this.flag = signal ? new Int32Array(signal) : null;
    db.pragma('wal_autocheckpoint = 0');
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
  }

  /** Between two batches: nothing unless the checkpointer finished a round and the last finish is a second old. */
  afterBatch(): void {
    if (
      this.flag &&
      Date.now() - this.finishedAt >= WAL_RESTART_MS &&
      Atomics.exchange(this.flag, 0, 0) === 1
    ) {
      checkpointNow(this.db, 'PASSIVE');
      this.finishedAt = Date.now();
    }
    if (Date.now() - this.sizeCheckedAt > 1000) {
      this.sizeCheckedAt = Date.now();
      if (walSize(this.databasePath) > WAL_FORCE_RESTART) checkpointNow(this.db, 'RESTART');
    }
  }
}

/**
 * The checkpointer thread's loop. PASSIVE never waits for or blocks the writer or readers; it
 * copies what is committed, then raises the flag for the writer (see WriterWal). Returns how to
 * stop it: the thread then closes its connection and ends by itself (see ThreadWriter.close).
 */
export function checkpointForever(databasePath: string, signal: SharedArrayBuffer | undefined): () => void {
  lowerThreadPriority();
  const db = openSqlite(databasePath).sqlite;
  if (!db) return () => undefined;
  db.pragma('wal_autocheckpoint = 0');
  const flag = signal ? new Int32Array(signal) : null;
  const timer = setInterval(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
      if (flag) Atomics.store(flag, 0, 1);
    } catch {
      // Busy or briefly unavailable: the next round copies the same pages.
    }
  }, CHECKPOINT_MS);
  return () => {
    clearInterval(timer);
    db.close();
  };
}

/**
 * Checkpoints are background work: on Linux the thread asks for the lowest priority (nice 19), so
 * that on a busy machine it takes the CPU time webhooks leave. Elsewhere it runs as it is.
 */
function lowerThreadPriority(): void {
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, 19);
  } catch {
    // Not Linux, or not allowed: a normal priority is still correct, only less polite.
  }
}
