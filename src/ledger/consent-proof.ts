import { verifyInclusion } from '../crypto/merkle';
import type { ChainedRow } from './chain';
import { checkpointPublicKeys, openWithAny, type CheckpointRow } from './checkpoints';
import type { Ledger } from './ledger';
import { eventLeafHash } from './merkle-log';
import { boundRecord, latestRecordEntry, recordDifferences, type BoundRecord } from './record-bindings';

/** One entry of a consent, with its audit path to the checkpoint that covers it. */
export interface ProvenEntry {
  event: ChainedRow;
  leafIndex: number;
  /** Base64 hashes, leaf side first (RFC 9162 §2.1.3). */
  inclusionProof: string[];
}

export interface ConsentProof {
  ok: boolean;
  checkpoint: Pick<CheckpointRow, 'epoch' | 'size' | 'root' | 'note' | 'signed_at'> | null;
  entries: ProvenEntry[];
  /** Entries newer than the latest checkpoint: covered by the next one, within a minute. */
  pending: ChainedRow[];
  problems: string[];
}

/**
 * Proves one consent without walking the log: its call's events and its own entries, each against
 * the latest signed checkpoint by an inclusion proof (O(log n) reads each), and its rows against its
 * latest `record` entry. The leaves are recomputed from the rows, so an edited row fails its proof.
 */
export function proveConsent(ledger: Ledger, consentId: string): ConsentProof | null {
  const consent = ledger.getConsent(consentId);
  if (!consent) return null;
  const problems: string[] = [];
  const row = ledger
    .sql('SELECT epoch, size, root, note, signed_at FROM checkpoints ORDER BY epoch DESC, size DESC LIMIT 1')
    .get() as ConsentProof['checkpoint'] | undefined;
  const checkpoint = row ?? null;
  const events = ledger
    .sql('SELECT * FROM events WHERE call_sid = ? OR consent_id = ? ORDER BY seq')
    .all(consent.call_sid, consentId) as ChainedRow[];
  const entries: ProvenEntry[] = [];
  const pending: ChainedRow[] = [];
  // No checkpoint yet (a new log): every entry is pending, which is not a fault.
  if (checkpoint && !openWithAny(checkpoint.note, checkpointPublicKeys(ledger)))
    problems.push(`checkpoint ${checkpoint.size} does not verify with the log's public key`);
  const root = checkpoint ? Buffer.from(checkpoint.root, 'base64') : null;
  for (const event of events) {
    if (!checkpoint || !root || event.seq > checkpoint.size) {
      pending.push(event);
      continue;
    }
    const leafIndex = event.seq - 1;
    const proof = ledger.merkle.inclusion(leafIndex, checkpoint.size);
    if (!verifyInclusion(leafIndex, checkpoint.size, eventLeafHash(event), proof, root))
      problems.push(
        `event ${event.seq} (${event.type}) is not the entry checkpoint ${checkpoint.size} signed`,
      );
    entries.push({ event, leafIndex, inclusionProof: proof.map((p) => p.toString('base64')) });
  }
  const logged = latestRecordEntry(ledger, consentId);
  const now = boundRecord(ledger, consentId);
  if (!logged) problems.push(`consent ${consentId} has no record entry in the log`);
  else if (logged.data !== JSON.stringify(now))
    problems.push(...recordDifferences(consentId, JSON.parse(logged.data) as BoundRecord, now));
  return { ok: problems.length === 0, checkpoint, entries, pending, problems };
}
