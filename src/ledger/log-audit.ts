import { MemoryTree } from '../crypto/merkle';
import type { CheckpointBody } from '../crypto/signed-note';
import { eventHash, GENESIS_HASH, type ChainedRow } from './chain';
import type { Db } from './database';
import { eventLeafHash, subtreeId, subtreeOf } from './merkle-log';

/**
 * The whole-log check behind `consent verify`: every event against its chain link and its stored
 * Merkle leaf, every stored subtree against the tree rebuilt from the events. O(n): run it from the
 * command line or a job, never on a webhook; pages and exports use proofs instead.
 */
export interface LogAudit {
  ok: boolean;
  size: number;
  /** The tree rebuilt from the event rows themselves, not from the stored subtrees. */
  tree: MemoryTree;
  head: string;
  problems: string[];
  /** The first event that does not match what was logged, when one does not. */
  firstBadEvent: number | null;
}

export function auditLog(db: Db): LogAudit {
  const problems: string[] = [];
  let firstBadEvent: number | null = null;
  const bad = (seq: number, problem: string): void => {
    firstBadEvent ??= seq;
    if (problems.length < 20) problems.push(problem);
  };
  const tree = new MemoryTree();
  const storedLeaf = db.prepare('SELECT hash FROM merkle_tree WHERE id = ?').pluck();
  let prev = GENESIS_HASH;
  let expected = 1;
  for (const row of db.prepare('SELECT * FROM events ORDER BY seq').iterate() as Iterable<ChainedRow>) {
    if (row.seq !== expected) bad(expected, `event ${expected} is missing (the next one is ${row.seq})`);
    if (row.prev_hash !== prev) bad(row.seq, `event ${row.seq} does not link to its predecessor`);
    if (eventHash(row.prev_hash, row) !== row.hash)
      bad(row.seq, `event ${row.seq} (${row.type}) was altered: its content does not match its hash`);
    const leaf = eventLeafHash(row);
    const stored = storedLeaf.get(subtreeId(0, row.seq - 1)) as Buffer | undefined;
    if (stored && !stored.equals(leaf))
      bad(row.seq, `event ${row.seq} (${row.type}) differs from the Merkle leaf logged for it`);
    tree.push(leaf);
    prev = row.hash;
    expected = row.seq + 1;
  }
  for (const row of db.prepare('SELECT id, hash FROM merkle_tree ORDER BY id').iterate() as Iterable<{
    id: number;
    hash: Buffer;
  }>) {
    const node = subtreeOf(row.id);
    let mine: Buffer | null;
    try {
      mine = tree.perfect(node.level, node.index);
    } catch {
      mine = null;
    }
    if (!mine) {
      bad(
        tree.size + 1,
        `the Merkle log holds subtree ${node.level}/${node.index} beyond the ${tree.size} events`,
      );
      break;
    }
    if (!mine.equals(row.hash)) {
      const seq = node.index * 2 ** node.level + 1;
      bad(seq, `stored Merkle subtree ${node.level}/${node.index} (events from ${seq}) was altered`);
    }
  }
  return { ok: problems.length === 0, size: tree.size, tree, head: prev, problems, firstBadEvent };
}

export type CheckpointVerdict = { ok: true } | { ok: false; divergesAt: number; reason: string };

/** Whether the rebuilt tree holds, as a prefix, the tree a checkpoint signed. */
export function compareWithCheckpoint(tree: MemoryTree, cp: CheckpointBody): CheckpointVerdict {
  if (cp.size > tree.size)
    return {
      ok: false,
      divergesAt: tree.size + 1,
      reason: `the ledger holds ${tree.size} events but checkpoint ${cp.size} covers ${cp.size}: events ${tree.size + 1} to ${cp.size} were lost (a restored backup or a cut tail)`,
    };
  if (!tree.root(cp.size).equals(cp.root))
    return {
      ok: false,
      divergesAt: cp.size,
      reason: `the first ${cp.size} events of the ledger are not the history checkpoint ${cp.size} signed (a rewritten or forked history)`,
    };
  return { ok: true };
}
