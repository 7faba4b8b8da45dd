import type { Ledger } from '../ledger';
import { wrappedKeyId } from '../crypto/keyring';

/**
 * Re-wraps every data key (clips, per-caller keys, ledger secrets) under the active key, without
 * touching the audio objects; afterwards older ring entries can be dropped.
 */
export function rotateKeys(ledger: Ledger): { rewrapped: number; stillNeeded: string[] } {
  const active = ledger.keyRing.active.id;
  let rewrapped = 0;
  const rewrap = (wrapped: string): string => {
    rewrapped += 1;
    return ledger.keyRing.wrap(ledger.keyRing.unwrap(wrapped));
  };
  ledger.transaction(() => {
    const clips = ledger.db
      .prepare('SELECT consent_id, wrapped_key FROM clips WHERE wrapped_key IS NOT NULL')
      .all() as Array<{ consent_id: string; wrapped_key: string }>;
    const updateClip = ledger.db.prepare('UPDATE clips SET wrapped_key = ?, key_id = ? WHERE consent_id = ?');
    for (const c of clips)
      if (wrappedKeyId(c.wrapped_key) !== active) updateClip.run(rewrap(c.wrapped_key), active, c.consent_id);
    const subjects = ledger.db
      .prepare('SELECT subject_hash, wrapped_key FROM subject_keys WHERE wrapped_key IS NOT NULL')
      .all() as Array<{ subject_hash: string; wrapped_key: string }>;
    const updateSubject = ledger.db.prepare('UPDATE subject_keys SET wrapped_key = ? WHERE subject_hash = ?');
    for (const s of subjects)
      if (wrappedKeyId(s.wrapped_key) !== active) updateSubject.run(rewrap(s.wrapped_key), s.subject_hash);
    const secrets = ledger.db.prepare('SELECT name, wrapped_key FROM secrets').all() as Array<{
      name: string;
      wrapped_key: string;
    }>;
    const updateSecret = ledger.db.prepare('UPDATE secrets SET wrapped_key = ? WHERE name = ?');
    for (const s of secrets)
      if (wrappedKeyId(s.wrapped_key) !== active) updateSecret.run(rewrap(s.wrapped_key), s.name);
    ledger.append([{ type: 'keys_rotated', at: new Date(), data: { active, rewrapped } }]);
  });
  const ids = new Set<string>();
  for (const table of ['clips', 'subject_keys', 'secrets']) {
    for (const w of ledger.db
      .prepare(`SELECT wrapped_key FROM ${table} WHERE wrapped_key IS NOT NULL`)
      .pluck()
      .all() as string[])
      ids.add(wrappedKeyId(w));
  }
  ids.delete(active);
  return { rewrapped, stillNeeded: [...ids] };
}
