import crypto from 'node:crypto';
import { eventEntryText } from './chain';
import type { Statement } from './driver';
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  nodeHash,
  rootAt,
  type SubtreeSource,
} from '../crypto/merkle';
import type { Db } from './database';

/** What a leaf commits to: the event's columns, as the hash chain covers them. */
export interface LeafRow {
  seq: number;
  call_sid: string | null;
  consent_id: string | null;
  type: string;
  at: string;
  data: string;
}

/**
 * The canonical bytes of an event, the Merkle leaf's input: UTF-8 of the JSON array
 * [seq, call_sid, consent_id, type, at, data] (data is the stored JSON text, as a string).
 * An auditor recomputes it from an exported event without this code.
 */
export function eventEntry(row: LeafRow): Buffer {
  return Buffer.from(eventEntryText(row));
}

/** The Merkle leaf of an event from its canonical text: SHA-256(0x00 ‖ UTF-8 of the text). */
export function entryLeafHash(entry: string): Buffer {
  // "\0" is the byte 0x00 in UTF-8: the same bytes as leafHash(eventEntry(row)), with no copies.
  return crypto.hash('sha256', `\0${entry}`, 'buffer');
}

/** In-order number of subtree (level, index): leaves are even, and ids grow as the log does. */
export function subtreeId(level: number, index: number): number {
  return index * 2 ** (level + 1) + 2 ** level - 1;
}

export function subtreeOf(id: number): { level: number; index: number } {
  let level = 0;
  let n = id + 1;
  while (n % 2 === 0) {
    n /= 2;
    level += 1;
  }
  return { level, index: (n - 1) / 2 };
}

export const eventLeafHash = (row: LeafRow): Buffer => leafHash(eventEntry(row));

/**
 * The event log as an RFC 9162 Merkle tree. Leaf i is event seq i+1. Every perfect subtree's hash is
 * stored once, in the transaction that appends its last leaf (on average two rows per event), so any
 * root or proof costs O(log n) reads, and appending needs no reads at all while the in-memory
 * frontier (the perfect subtrees of the current size) is known to match the committed log.
 */
export class MerkleLog implements SubtreeSource {
  private readonly insertNode: Statement;
  private readonly select: Statement;
  /** frontier[level] is the pending left subtree of that level, present where size has that bit. */
  private cache: { size: number; lastHash: string; frontier: Array<Buffer | undefined> } | null = null;

  constructor(private readonly db: Db) {
    this.insertNode = db.prepare('INSERT INTO merkle_tree (id, hash) VALUES (?, ?)');
    this.select = db.prepare('SELECT hash FROM merkle_tree WHERE id = ?').pluck();
  }

  perfect(level: number, index: number): Buffer {
    const hash = this.select.get(subtreeId(level, index)) as Buffer | undefined;
    if (!hash) throw new Error(`the Merkle log has no subtree ${level}/${index}`);
    return hash;
  }

  /** Leaves in the tree: the events whose subtrees are stored. */
  size(): number {
    // The last leaf has the largest id (2(n-1)): one probe of the key, not a count.
    return this.db.prepare('SELECT COALESCE(MAX(id) / 2 + 1, 0) FROM merkle_tree').pluck().get() as number;
  }

  root(size: number): Buffer {
    return rootAt(this, size);
  }

  inclusion(index: number, size: number): Buffer[] {
    return inclusionProof(this, index, size);
  }

  consistency(first: number, second: number): Buffer[] {
    return consistencyProof(this, first, second);
  }

  /**
   * Adds the leaves of events just inserted (inside the caller's transaction). `after` is the last
   * event before them; the cached frontier is used only when it belongs to exactly that event (the
   * chain hash covers the whole history), so a rollback or another process's appends cannot mislead it.
   */
  appendEvents(
    after: { seq: number; hash: string } | undefined,
    /** `leaf`: the row's Merkle leaf when the caller hashed it already (see entryLeafHash). */
    rows: ReadonlyArray<LeafRow & { hash: string; leaf?: Buffer }>,
  ): void {
    if (rows.length === 0) return;
    const start = after?.seq ?? 0;
    let frontier =
      this.cache && this.cache.size === start && this.cache.lastHash === (after?.hash ?? '')
        ? this.cache.frontier
        : this.loadFrontier(start);
    this.cache = null;
    let size = start;
    for (const row of rows) {
      if (row.seq !== size + 1) throw new Error(`event ${row.seq} does not follow ${size} in the Merkle log`);
      frontier = this.push(frontier, size, row.leaf ?? eventLeafHash(row));
      size += 1;
    }
    this.cache = { size, lastHash: (rows[rows.length - 1] as { hash: string }).hash, frontier };
  }

  /** After a rollback the frontier may describe leaves that were never committed. */
  forget(): void {
    this.cache = null;
  }

  /** Updates `frontier` in place (the cache is cleared while it is being changed). */
  private push(frontier: Array<Buffer | undefined>, index: number, leaf: Buffer): Array<Buffer | undefined> {
    let hash = leaf;
    let level = 0;
    let at = index;
    this.insertNode.run(subtreeId(0, at), hash);
    while (at % 2 === 1) {
      const left = frontier[level];
      if (!left) throw new Error(`the Merkle frontier lacks level ${level} at size ${index}`);
      hash = nodeHash(left, hash);
      frontier[level] = undefined;
      level += 1;
      at = Math.floor(at / 2);
      this.insertNode.run(subtreeId(level, at), hash);
    }
    frontier[level] = hash;
    return frontier;
  }

  private loadFrontier(size: number): Array<Buffer | undefined> {
    const frontier: Array<Buffer | undefined> = [];
    let level = 0;
    for (let n = size; n > 0; n = Math.floor(n / 2), level += 1)
      if (n % 2 === 1) frontier[level] = this.perfect(level, Math.floor(size / 2 ** level) - 1);
    return frontier;
  }

  /**
   * Stores the subtrees of events that have none (a ledger from before the Merkle log, or one whose
   * backfill was interrupted). Idempotent, in one transaction.
   */
  backfill(): number {
    const events = this.db.prepare('SELECT COALESCE(MAX(seq), 0) FROM events').pluck().get() as number;
    let size = this.size();
    if (size >= events) return 0;
    const added = events - size;
    this.db
      .transaction(() => {
        size = this.size();
        let frontier = this.loadFrontier(size);
        const page = this.db.prepare(
          'SELECT seq, call_sid, consent_id, type, at, data FROM events WHERE seq > ? ORDER BY seq LIMIT 10000',
        );
        // In pages: a connection cannot write while it iterates a query.
        for (let rows = page.all(size) as LeafRow[]; rows.length > 0; rows = page.all(size) as LeafRow[])
          for (const row of rows) {
            if (row.seq !== size + 1)
              throw new Error(`event ${size + 1} is missing: cannot build the Merkle log`);
            frontier = this.push(frontier, size, eventLeafHash(row));
            size += 1;
          }
      })
      .immediate();
    this.cache = null;
    return added;
  }
}
