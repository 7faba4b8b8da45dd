import crypto from 'node:crypto';

const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

/**
 * Random bytes for keys and IVs, drawn from a 4 KiB buffer of CSPRNG output that is refilled when
 * spent: one call into OpenSSL per 4 KiB instead of one per value (each call cost more than the
 * AES-GCM operation it fed, measured on the ledger writer). Bytes handed out are wiped from the
 * pool, so key material does not linger there. Each thread has its own pool.
 */
export function randomBytes(size: number): Buffer {
  if (size > 256) return crypto.randomBytes(size);
  if (offset + size > pool.length) {
    pool = crypto.randomBytes(POOL_SIZE);
    offset = 0;
  }
  const out = Buffer.alloc(size);
  pool.copy(out, 0, offset, offset + size);
  pool.fill(0, offset, offset + size);
  offset += size;
  return out;
}
