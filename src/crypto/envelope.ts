import crypto from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Clip encryption: a fresh data key per clip, AES-256-GCM in authenticated chunks (the STREAM
 * construction): nonce = random prefix ‖ chunk counter ‖ last-chunk flag, header as AAD. Memory
 * stays at one chunk; truncation, reordering, dropped or repeated chunks and bit flips all fail.
 *
 * Layout: "CGE1" | version (1) | chunk size (uint32 BE) | nonce prefix (7) | chunks (ciphertext ‖ tag).
 */
const MAGIC = Buffer.from('CGE1');
const VERSION = 1;
const HEADER_LEN = 4 + 1 + 4 + 7;
const TAG_LEN = 16;
export const DEFAULT_CHUNK = 256 * 1024;

export function generateDataKey(): Buffer {
  return crypto.randomBytes(32);
}

function nonce(prefix: Buffer, counter: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(counter, 7);
  n[11] = last ? 1 : 0;
  return n;
}

/** Collects incoming buffers and hands out exact-size pieces without re-copying everything each time. */
class ByteQueue {
  private parts: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    if (b.length === 0) return;
    this.parts.push(b);
    this.length += b.length;
  }
  take(n: number): Buffer {
    const first = this.parts[0];
    if (first && first.length >= n) {
      this.length -= n;
      if (first.length === n) this.parts.shift();
      else this.parts[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const part = this.parts[0] as Buffer;
      const use = Math.min(part.length, n - off);
      part.copy(out, off, 0, use);
      off += use;
      if (use === part.length) this.parts.shift();
      else this.parts[0] = part.subarray(use);
    }
    this.length -= n;
    return out;
  }
}

export function createEncryptStream(dataKey: Buffer, options: { chunkSize?: number } = {}): Transform {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  const prefix = crypto.randomBytes(7);
  const header = Buffer.alloc(HEADER_LEN);
  MAGIC.copy(header, 0);
  header[4] = VERSION;
  header.writeUInt32BE(chunkSize, 5);
  prefix.copy(header, 9);
  const queue = new ByteQueue();
  let counter = 0;
  const seal = (plain: Buffer, last: boolean): Buffer[] => {
    const cipher = crypto.createCipheriv('aes-256-gcm', dataKey, nonce(prefix, counter, last));
    cipher.setAAD(header);
    counter += 1;
    return [cipher.update(plain), cipher.final(), cipher.getAuthTag()];
  };
  let headerSent = false;
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      if (!headerSent) {
        this.push(header);
        headerSent = true;
      }
      queue.push(chunk);
      // Strictly more than one chunk: the last chunk is only known at the end of the input.
      while (queue.length > chunkSize) for (const b of seal(queue.take(chunkSize), false)) this.push(b);
      cb();
    },
    flush(cb: TransformCallback) {
      if (!headerSent) this.push(header);
      for (const b of seal(queue.take(queue.length), true)) this.push(b);
      cb();
    },
  });
}

export function createDecryptStream(dataKey: Buffer): Transform {
  const queue = new ByteQueue();
  let header: Buffer | null = null;
  let prefix: Buffer = Buffer.alloc(0);
  let frame = 0;
  let counter = 0;
  let done = false;
  const open = (frameBytes: Buffer, last: boolean): Buffer => {
    if (frameBytes.length < TAG_LEN) throw new Error('encrypted clip is truncated');
    const decipher = crypto.createDecipheriv('aes-256-gcm', dataKey, nonce(prefix, counter, last));
    decipher.setAAD(header as Buffer);
    decipher.setAuthTag(frameBytes.subarray(frameBytes.length - TAG_LEN));
    counter += 1;
    try {
      return Buffer.concat([
        decipher.update(frameBytes.subarray(0, frameBytes.length - TAG_LEN)),
        decipher.final(),
      ]);
    } catch {
      throw new Error(
        `encrypted clip failed authentication at chunk ${counter - 1} (altered, reordered, truncated or wrong key)`,
      );
    }
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      try {
        if (done) throw new Error('data after the final chunk');
        queue.push(chunk);
        if (!header) {
          if (queue.length < HEADER_LEN) return cb();
          header = queue.take(HEADER_LEN);
          if (!header.subarray(0, 4).equals(MAGIC) || header[4] !== VERSION)
            throw new Error('not an encrypted clip (bad header)');
          frame = header.readUInt32BE(5) + TAG_LEN;
          prefix = header.subarray(9, 16);
        }
        while (queue.length > frame) this.push(open(queue.take(frame), false));
        cb();
      } catch (error) {
        cb(error as Error);
      }
    },
    flush(cb: TransformCallback) {
      try {
        if (!header) throw new Error('encrypted clip is truncated (no header)');
        this.push(open(queue.take(queue.length), true));
        done = true;
        cb();
      } catch (error) {
        cb(error as Error);
      }
    },
  });
}

async function run(stream: Transform, input: Buffer): Promise<Buffer> {
  const out: Buffer[] = [];
  return new Promise((resolve, reject) => {
    stream.on('data', (b: Buffer) => out.push(b));
    stream.on('error', reject);
    stream.on('end', () => resolve(Buffer.concat(out)));
    stream.end(input);
  });
}

export const encryptBuffer = (dataKey: Buffer, plain: Buffer, chunkSize?: number): Promise<Buffer> =>
  run(createEncryptStream(dataKey, { chunkSize }), plain);
export const decryptBuffer = (dataKey: Buffer, cipher: Buffer): Promise<Buffer> =>
  run(createDecryptStream(dataKey), cipher);
