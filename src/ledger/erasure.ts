import crypto from 'node:crypto';
import type { Ledger } from './ledger';

/**
 * The last step of an erasure (Art. 17): the caller's key is destroyed, and the caller hash (a
 * keyed hash of the number, which anyone with the ledger can compute again) is replaced in every
 * table by one random value per erasure. The records stay (consents, clip hashes, the chain) and
 * still belong together, but nothing links them to the number any more: the operator cannot
 * confirm that number's history, and a new call from it starts with none. Inside the caller's
 * transaction; returns the erasure's pseudonym.
 */
export function unlinkSubject(ledger: Ledger, subjectHash: string, at: Date): string {
  const pseudonym = `erased:${crypto.randomBytes(12).toString('hex')}`;
  ledger.shredSubject(subjectHash, at);
  ledger.sql('UPDATE subject_keys SET subject_hash = ? WHERE subject_hash = ?').run(pseudonym, subjectHash);
  ledger
    .sql('UPDATE calls SET caller_hash = ?, caller_enc = NULL WHERE caller_hash = ?')
    .run(pseudonym, subjectHash);
  ledger
    .sql('UPDATE consents SET caller_hash = ?, caller_enc = NULL WHERE caller_hash = ?')
    .run(pseudonym, subjectHash);
  return pseudonym;
}
