import crypto from 'node:crypto';
import { Readable, Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createEncryptStream, generateDataKey } from '../src/crypto/envelope';

/**
 * Streams `sizeBytes` through the chunked envelope and, as the baseline measured in the same run,
 * through one plain AES-256-GCM cipher: the ratio is what chunking and per-chunk tags cost.
 * Both see identical 64 KiB writes; the best of a few repetitions damps GC and scheduler noise.
 */
export async function benchEnvelope(
  sizeBytes: number,
  repetitions = 7,
): Promise<{ envelopeMBps: number; plainMBps: number; ratio: number }> {
  const block = crypto.randomBytes(64 * 1024);
  const source = (): Readable =>
    Readable.from(
      (function* () {
        for (let sent = 0; sent < sizeBytes; sent += block.length)
          yield sizeBytes - sent >= block.length ? block : block.subarray(0, sizeBytes - sent);
      })(),
      { objectMode: false },
    );
  const sink = (): Writable =>
    new Writable({
      write: (_c, _e, cb) => cb(),
      writev: (_c, cb) => cb(),
    });
  const key = generateDataKey();
  const time = async (make: () => Transform): Promise<number> => {
    const start = process.hrtime.bigint();
    await pipeline(source(), make(), sink());
    return Number(process.hrtime.bigint() - start) / 1e9;
  };
  const plain = (): Transform => crypto.createCipheriv('aes-256-gcm', key, crypto.randomBytes(12));
  const envelope = (): Transform => createEncryptStream(key);
  // Warm both paths so neither pays for JIT or first-use allocation in the timed runs.
  await time(plain);
  await time(envelope);
  let bestPlain = Infinity;
  let bestEnvelope = Infinity;
  // Interleaved so a slow phase of the machine hits both sides alike.
  for (let i = 0; i < repetitions; i += 1) {
    bestPlain = Math.min(bestPlain, await time(plain));
    bestEnvelope = Math.min(bestEnvelope, await time(envelope));
  }
  const plainMBps = sizeBytes / 1e6 / bestPlain;
  const envelopeMBps = sizeBytes / 1e6 / bestEnvelope;
  return { envelopeMBps, plainMBps, ratio: envelopeMBps / plainMBps };
}
