import crypto from 'node:crypto';
import type { PublishedKey } from '../crypto/signing-keys';

/**
 * The public keys a verification trusts: the operator's published keys (`consent keys public`),
 * each with the use it may vouch for. A key of one use never vouches for another kind of statement.
 */
export type TrustedKey = Pick<PublishedKey, 'use' | 'keyId' | 'active' | 'publicKeyPem'>;

export interface LoadedKey extends TrustedKey {
  key: crypto.KeyObject;
  fingerprint: string;
}

/**
 * SHA-256 of the key's DER (SubjectPublicKeyInfo), in hex groups of four: what
 * `openssl pkey -pubin -in key.pem -outform DER | sha256sum` prints, ungrouped. Compare it with the
 * operator's fingerprint from another channel (letter, phone, their website).
 */
export function fingerprint(key: crypto.KeyObject): string {
  const hex = crypto
    .createHash('sha256')
    .update(key.export({ format: 'der', type: 'spki' }))
    .digest('hex');
  return hex.toUpperCase().replace(/(.{4})(?=.)/g, '$1 ');
}

export function loadKeys(keys: readonly TrustedKey[]): LoadedKey[] {
  return keys.map((k) => {
    const key = crypto.createPublicKey(k.publicKeyPem);
    return { ...k, key, fingerprint: fingerprint(key) };
  });
}

/** Keys allowed for a use; the key that signed before keys were split per use still counts for exports. */
export function keysFor(
  keys: readonly LoadedKey[],
  use: 'export' | 'checkpoint' | 'certificate',
): LoadedKey[] {
  return keys.filter((k) => k.use === use || (use === 'export' && k.use === 'legacy'));
}

/** A file name for one key's PEM download: only what a key id can hold. */
export const pemFileName = (keyId: string): string => `${keyId.replace(/[^A-Za-z0-9_-]/g, '')}.pem`;
