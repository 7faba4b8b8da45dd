import type { MemoryTree } from '../crypto/merkle';
import type { CheckpointBody } from '../crypto/signed-note';
import { checkpointPublicKeys, openWithAny } from '../ledger/checkpoints';
import { auditLog, compareWithCheckpoint } from '../ledger/log-audit';
import { auditRecords } from '../ledger/record-bindings';
import type { Runtime } from '../runtime';
import { parseCheckpointKey } from '../storage/checkpoint-store';

type Io = { out: (s: string) => void; err: (s: string) => void };

/**
 * `consent verify [--checkpoint <file>]`: the whole log from its rows (chain links, Merkle leaves,
 * stored subtrees), the rows an auditor reads against the entries that bind them, and the rebuilt
 * tree against the latest checkpoint in the bucket and the one given. Exit 0 when all hold.
 */
export async function verifyLedger(
  rt: Runtime,
  io: Io,
  given?: { file: string; text: string },
): Promise<number> {
  const problems: string[] = [];
  // One read transaction: the server may append while we read, and every check must see one state.
  const { audit, records } = rt.ledger.db
    .transaction(() => ({ audit: auditLog(rt.ledger.db), records: auditRecords(rt.ledger) }))
    .deferred();
  problems.push(...audit.problems);
  problems.push(...records);
  const keys = checkpointPublicKeys(rt.ledger);
  let checked = 0;

  const against = (cp: CheckpointBody, where: string): boolean => {
    const verdict = compareWithCheckpoint(audit.tree, cp);
    if (verdict.ok) {
      checked += 1;
      return true;
    }
    problems.push(`${where}: ${verdict.reason}; it diverges at size ${verdict.divergesAt}`);
    return false;
  };

  if (given) {
    const cp = openWithAny(given.text, keys);
    if (!cp) problems.push(`${given.file} is not a checkpoint signed by this log's key`);
    else against(cp, `checkpoint ${cp.size} from ${given.file}`);
  }

  try {
    const epoch = rt.checkpoints.epoch();
    const listed = (await rt.checkpoints.store.list())
      .map((key) => ({ key, at: parseCheckpointKey(key) }))
      .filter((k): k is { key: string; at: { epoch: number; size: number } } => k.at !== null);
    const later = listed.filter((k) => k.at.epoch > epoch).pop();
    if (later)
      problems.push(
        `the bucket holds checkpoints of epoch ${later.at.epoch}; this ledger is at epoch ${epoch}: it is an older copy`,
      );
    const mine = listed.filter((k) => k.at.epoch === epoch);
    const fetch = async (key: string): Promise<CheckpointBody | null> => {
      const note = await rt.checkpoints.store.get(key);
      return note ? openWithAny(note, keys) : null;
    };
    const latest = mine[mine.length - 1];
    if (latest) {
      const cp = await fetch(latest.key);
      if (!cp) problems.push(`${latest.key} in the bucket does not verify with this log's key`);
      else if (!against(cp, `checkpoint ${cp.size} in the bucket`) && cp.size <= audit.size)
        problems.push(await firstDivergence(audit.tree, mine, fetch));
    }
  } catch (error) {
    problems.push(`could not read the checkpoints in the bucket: ${(error as Error).message}`);
  }

  if (problems.length > 0) {
    const head =
      audit.firstBadEvent === null
        ? 'ledger verification FAILED'
        : `ledger BROKEN at event ${audit.firstBadEvent}`;
    io.err(`${head}:\n${problems.map((p) => `  - ${p}\n`).join('')}`);
    return 1;
  }
  io.out(
    `ledger intact: ${audit.size} events, Merkle root ${audit.tree.root().toString('base64')}; consistent with ${checked} signed checkpoint(s)\n`,
  );
  return 0;
}

/** Binary search over the bucket's checkpoints (O(log k) reads) for the first one the ledger contradicts. */
async function firstDivergence(
  tree: MemoryTree,
  listed: Array<{ key: string; at: { size: number } }>,
  fetch: (key: string) => Promise<CheckpointBody | null>,
): Promise<string> {
  let lo = 0;
  let hi = listed.length - 1;
  let lastGood: number | null = null;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const entry = listed[mid] as { key: string; at: { size: number } };
    const cp = await fetch(entry.key);
    if (cp && compareWithCheckpoint(tree, cp).ok) {
      lastGood = cp.size;
      lo = mid + 1;
    } else hi = mid;
  }
  const firstBad = (listed[lo] as { at: { size: number } }).at.size;
  return lastGood === null
    ? `the history differs from the first published checkpoint on (size ${firstBad}): it diverges within events 1 to ${firstBad}`
    : `the ledger matches checkpoint ${lastGood} and contradicts checkpoint ${firstBad}: it diverges at size ${lastGood + 1} or later, by size ${firstBad}`;
}
