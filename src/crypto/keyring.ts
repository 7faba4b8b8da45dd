import crypto from 'node:crypto';

export interface KeyEntry {
  id: string;
  key: Buffer;
}

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
    return wrapWith(this.active, dataKey);
  }
  unwrap(wrapped: string): Buffer {
    const [version, keyId, iv, tag, ct] = wrapped.split(':');
    if (version !== 'v1' || !keyId || !iv || !tag || !ct) throw new Error('wrapped key is malformed');
    const kek = this.byId.get(keyId);
    if (!kek) throw new Error(`wrapped key needs key "${keyId}", which is not in CONSENT_KEYS`);
    const decipher = crypto.createDecipheriv('aes-256-gcm', kek, Buffer.from(iv, 'base64'));
    decipher.setAAD(Buffer.from(keyId));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]);
  }
}

export function wrapWith(kek: KeyEntry, dataKey: Buffer): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', kek.key, iv);
  cipher.setAAD(Buffer.from(kek.id));
  const ct = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return [
    'v1',
    kek.id,
    iv.toString('base64'),
    cipher.getAuthTag().toString('base64'),
    ct.toString('base64'),
  ].join(':');
}

export function wrappedKeyId(wrapped: string): string {
  return wrapped.split(':')[1] ?? '';
}

/** AES-256-GCM for short fields (numbers, transcripts): `iv.tag.ct` in base64. */
export function sealField(key: Buffer, plaintext: string): string {
  const iv = crypto.randomBytes(12);
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
