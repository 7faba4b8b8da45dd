import { chainHash, eventEntryText, GENESIS_HASH } from './chain';
import type { Statement } from './driver';
import { entryLeafHash, type LeafRow, type MerkleLog } from './merkle-log';
import { RECORD_EVENT } from './record-bindings';
import type { NewEvent } from './rows';

/**
 * Appends events to the hash chain and the Merkle log, inside the caller's write transaction: the
 * head is read under the write lock (SQLite BEGIN IMMEDIATE, PostgreSQL the advisory append lock),
 * so appends from any number of connections or instances make one gapless chain. A second appender
 * racing past the lock would collide on the seq primary key and roll back, never fork.
 * `touched` learns the consents whose rows must be bound into the log before the commit.
 *
 * `known` holds the head this transaction's previous append left, if any (it saves a read: a
 * round trip on PostgreSQL) and learns the new one. Even a stale one cannot fork the chain: an
 * event must name its predecessor's seq and hash (the events_follow trigger), or it is refused.
 */
export function appendToChain(
  sql: (text: string) => Statement,
  merkle: MerkleLog,
  events: NewEvent[],
  touched: (consentId: string) => void,
  known?: { head: ChainHead | null },
): void {
  const last =
    known?.head ??
    (sql('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').get() as ChainHead | undefined);
  let seq = last?.seq ?? 0;
  let prev = last?.hash ?? GENESIS_HASH;
  const rows: Array<LeafRow & { hash: string; leaf: Buffer }> = [];
  const insert = sql(
    'INSERT INTO events (seq, call_sid, consent_id, type, at, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  for (const e of events) {
    if (e.consentId && e.type !== RECORD_EVENT) touched(e.consentId);
    seq += 1;
    const row = {
      seq,
      call_sid: e.callSid ?? null,
      consent_id: e.consentId ?? null,
      type: e.type,
      at: e.at.toISOString(),
      data: JSON.stringify(e.data ?? {}),
    };
    // One canonical text for both hashes: the chain's and the Merkle leaf's.
    const entry = eventEntryText(row);
    const hash = chainHash(prev, entry);
    insert.run(row.seq, row.call_sid, row.consent_id, row.type, row.at, row.data, prev, hash);
    rows.push({ ...row, hash, leaf: entryLeafHash(entry) });
    prev = hash;
  }
  merkle.appendEvents(last, rows);
  if (known && rows.length > 0) known.head = { seq, hash: prev };
}

export interface ChainHead {
  seq: number;
  hash: string;
}
