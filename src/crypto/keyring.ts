import crypto from 'node:crypto';
import { randomBytes } from './random';
import { unwrapDataKey, wrapDataKey, wrappedKeyId, type KeyEntry } from './envelope';

export type { KeyEntry };

/**
 * The key ring from CONSENT_KEYS. Keys never encrypt data directly: they wrap data keys, so rotation
 * re-wraps small blobs in the ledger instead of rewriting every object.
 */
export class KeyRing {
  private readonly byId: Map<string, Buffer>;
  constructor(readonly entries: KeyEntry[]) {
    if (entries.length === 0) throw new Error('key ring is empty');
    this.byId = new Map(entries.map((e) => [e.id, e.key]));
  }
  get active(): KeyEntry {
    return this.entries[0] as KeyEntry;
  }
  lookup = (id: string): Buffer | undefined => this.byId.get(id);

  wrap(dataKey: Buffer): string {
    return wrapDataKey(dataKey, this.active);
  }
  unwrap(wrapped: string): Buffer {
    return unwrapDataKey(wrapped, this.lookup);
  }
}

export { wrappedKeyId };

/** AES-256-GCM for short fields (numbers, transcripts): `iv.tag.ct` in base64. */
export function sealField(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${iv.toString('base64')}.${cipher.getAuthTag().toString('base64')}.${ct.toString('base64')}`;
}

export function openField(key: Buffer, sealed: string): string {
  const [iv, tag, ct] = sealed.split('.');
  if (!iv || !tag || ct === undefined) throw new Error('sealed field is malformed');
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]).toString('utf8');
}

export function generateKeyRingEntry(id: string): string {
  return `${id}:${crypto.randomBytes(32).toString('base64')}`;
}
