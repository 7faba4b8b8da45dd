import crypto from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainedRow {
  seq: number;
  call_sid: string | null;
  consent_id: string | null;
  type: string;
  at: string;
  data: string;
  prev_hash: string;
  hash: string;
}

/**
 * The canonical text of an event: the JSON array [seq, call_sid, consent_id, type, at, data] (data
 * is the stored JSON text, as a string). The chain hash and the Merkle leaf both cover its UTF-8.
 */
export function eventEntryText(row: Omit<ChainedRow, 'hash' | 'prev_hash'>): string {
  return JSON.stringify([row.seq, row.call_sid, row.consent_id, row.type, row.at, row.data]);
}

/** The chain hash of an event whose canonical text is `entry` (see eventEntryText). */
export function chainHash(prevHash: string, entry: string): string {
  // One-shot: the same bytes as hashing prevHash, "\n" and the entry one after the other.
  return crypto.hash('sha256', `${prevHash}\n${entry}`, 'hex');
}

/** Each event's hash covers its content and its predecessor's hash, so any edit breaks every later link. */
export function eventHash(prevHash: string, row: Omit<ChainedRow, 'hash' | 'prev_hash'>): string {
  return chainHash(prevHash, eventEntryText(row));
}

export type ChainVerdict =
  | { ok: true; checked: number; head: string }
  | { ok: false; checked: number; brokenAt: number; reason: string };

export function verifyRows(rows: Iterable<ChainedRow>): ChainVerdict {
  let prev = GENESIS_HASH;
  let checked = 0;
  let expectedSeq: number | null = null;
  for (const row of rows) {
    if (expectedSeq !== null && row.seq !== expectedSeq)
      return {
        ok: false,
        checked,
        brokenAt: expectedSeq,
        reason: `event ${expectedSeq} is missing (next is ${row.seq})`,
      };
    if (row.prev_hash !== prev)
      return {
        ok: false,
        checked,
        brokenAt: row.seq,
        reason: `event ${row.seq} does not link to its predecessor`,
      };
    if (eventHash(prev, row) !== row.hash)
      return {
        ok: false,
        checked,
        brokenAt: row.seq,
        reason: `event ${row.seq} was altered (hash mismatch)`,
      };
    prev = row.hash;
    checked += 1;
    expectedSeq = row.seq + 1;
  }
  return { ok: true, checked, head: prev };
}
