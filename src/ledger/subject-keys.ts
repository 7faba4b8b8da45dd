import { openField, sealField, type KeyRing } from '../crypto/keyring';
import { randomBytes } from '../crypto/random';
import type { Statement } from './driver';

/**
 * Every personal field of one caller is sealed with that caller's own key: erasure destroys the key.
 * The row is read every time, because another process or instance (the CLI, the writer thread, a
 * second server) may have shredded it; only the unwrapping, the costly part, is cached, by the
 * wrapped value, which no other process can change into a different key.
 */
/** About 10 MB: the callers of some 50,000 calls in progress. */
const UNWRAPPED_KEPT = 50_000;

export class SubjectKeys {
  private readonly unwrapped = new Map<string, Buffer>();

  constructor(
    /** The ledger's statement cache. */
    private readonly sql: (text: string) => Statement,
    private readonly keyRing: KeyRing,
    /** Inside the ledger's own write transaction, which holds the write lock. */
    private readonly inWriteTransaction: () => boolean = () => false,
  ) {}

  key(subjectHash: string, create: boolean): Buffer | null {
    const row = this.sql('SELECT wrapped_key FROM subject_keys WHERE subject_hash = ?').get(subjectHash) as
      { wrapped_key: string | null } | undefined;
    if (!row) {
      if (!create) return null;
      const key = randomBytes(32);
      const wrapped = this.keyRing.wrap(key);
      const insert = 'INSERT INTO subject_keys (subject_hash, wrapped_key, created_at) VALUES (?, ?, ?)';
      const at = new Date().toISOString();
      // Under the write lock nobody can make one between the read and the insert; should someone
      // have all the same, the insert fails the transaction. Nothing waits for its answer, so on
      // PostgreSQL it travels with the next statement instead of costing a round trip of its own.
      if (this.inWriteTransaction()) this.sql(insert).run(subjectHash, wrapped, at);
      // Another instance made one at the same moment: its key is the caller's key.
      else if (
        this.sql(`${insert} ON CONFLICT(subject_hash) DO NOTHING`).run(subjectHash, wrapped, at).changes === 0
      )
        return this.key(subjectHash, create);
      this.remember(wrapped, key);
      return key;
    }
    if (!row.wrapped_key) {
      if (!create) return null;
      // An erased caller who calls again starts afresh: a new key for new data; what the old key
      // sealed stays unreadable, and shredded_at keeps the date of the erasure.
      const key = randomBytes(32);
      const wrapped = this.keyRing.wrap(key);
      this.sql('UPDATE subject_keys SET wrapped_key = ?, created_at = ? WHERE subject_hash = ?').run(
        wrapped,
        new Date().toISOString(),
        subjectHash,
      );
      this.remember(wrapped, key);
      return key;
    }
    let key = this.unwrapped.get(row.wrapped_key);
    if (!key) {
      key = this.keyRing.unwrap(row.wrapped_key);
      this.remember(row.wrapped_key, key);
    }
    return key;
  }

  /**
   * Keeps the most recently made or unwrapped keys: an answer comes seconds after its call began, and
   * with more calls in progress than the cache held, every answer unwrapped its caller's key again.
   */
  private remember(wrapped: string, key: Buffer): void {
    if (this.unwrapped.size >= UNWRAPPED_KEPT) {
      const oldest = this.unwrapped.keys().next();
      if (!oldest.done) this.unwrapped.delete(oldest.value);
    }
    this.unwrapped.set(wrapped, key);
  }

  seal(subjectHash: string | null, value: string | null | undefined): string | null {
    if (!subjectHash || value === null || value === undefined || value === '') return null;
    const key = this.key(subjectHash, true);
    return key ? sealField(key, value) : null;
  }

  /** Returns null when the subject's key was shredded: the data is gone by design. */
  open(subjectHash: string | null, sealed: string | null): string | null {
    if (!subjectHash || !sealed) return null;
    const key = this.key(subjectHash, false);
    if (!key) return null;
    try {
      return openField(key, sealed);
    } catch {
      // Sealed under a key since shredded (the caller was erased, then called again): gone by design.
      return null;
    }
  }

  shred(subjectHash: string, at: Date): void {
    this.sql('UPDATE subject_keys SET wrapped_key = NULL, shredded_at = ? WHERE subject_hash = ?').run(
      at.toISOString(),
      subjectHash,
    );
  }
}
