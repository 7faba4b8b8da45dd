import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { createEncryptStream, generateDataKey } from '../src/crypto/envelope';

/** Streams `size` bytes through the chunked envelope and, as baseline, one plain AES-256-GCM cipher. */
export async function benchEnvelope(
  size: number,
  repetitions = 3,
): Promise<{ envelopeMBps: number; plainMBps: number; ratio: number }> {
  const block = crypto.randomBytes(64 * 1024);
  const source = (): Readable =>
    Readable.from(
      (function* () {
        for (let sent = 0; sent < size; sent += block.length) yield block;
      })(),
    );
  const sink = (): Writable => new Writable({ write: (_c, _e, cb) => cb() });
  const time = async (make: () => NodeJS.ReadWriteStream): Promise<number> => {
    let best = Infinity;
    for (let i = 0; i < repetitions; i += 1) {
      const start = process.hrtime.bigint();
      await pipeline(source(), make(), sink());
      best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
    }
    return size / 1e6 / best;
  };
  const key = generateDataKey();
  const plainMBps = await time(() => crypto.createCipheriv('aes-256-gcm', key, crypto.randomBytes(12)));
  const envelopeMBps = await time(() => createEncryptStream(key));
  return { envelopeMBps, plainMBps, ratio: envelopeMBps / plainMBps };
}
