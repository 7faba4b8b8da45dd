import crypto from 'node:crypto';
import { Readable, Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  DEFAULT_CHUNK,
  createDecryptStream,
  createEncryptStream,
  decryptBuffer,
  encryptBuffer,
  generateDataKey,
  unwrapDataKey,
  wrapDataKey,
  wrappedKeyId,
} from '../../src/crypto/envelope';
import { KeyRing } from '../../src/crypto/keyring';

const HEADER = 16;
const TAG = 16;

async function collect(source: Readable, transform: Transform): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(
    source,
    transform,
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        out.push(chunk);
        cb();
      },
    }),
  );
  return Buffer.concat(out);
}

/** Feeds `data` in uneven pieces, so chunk and frame boundaries never line up with writes. */
function pieces(data: Buffer, sizes = [1, 7, 1000, 65_537, 3]): Readable {
  return Readable.from(
    (function* () {
      let off = 0;
      for (let i = 0; off < data.length; i += 1) {
        const n = sizes[i % sizes.length] as number;
        yield data.subarray(off, off + n);
        off += n;
      }
    })(),
    { objectMode: false },
  );
}

const streamDecrypt = (key: Buffer, ct: Buffer): Promise<Buffer> =>
  collect(pieces(ct), createDecryptStream(key));

describe('envelope encryption round trip', () => {
  const key = generateDataKey();
  const C = DEFAULT_CHUNK;

  test.each([0, 1, C - 1, C, C + 1, 1024 * 1024, 3 * C + 5])(
    '%i bytes through the streams and the buffer helpers',
    async (size) => {
      const plain = crypto.randomBytes(size);
      const viaStream = await collect(pieces(plain), createEncryptStream(key));
      const viaBuffer = await encryptBuffer(key, plain);
      const frames = Math.max(1, Math.ceil(size / C));
      expect(viaStream.length).toBe(HEADER + size + frames * TAG);
      expect(viaBuffer.length).toBe(viaStream.length);
      // Buffer#equals: jest's deep equality walks a megabyte byte by byte.
      expect((await streamDecrypt(key, viaStream)).equals(plain)).toBe(true);
      expect((await decryptBuffer(key, viaStream)).equals(plain)).toBe(true);
      expect((await streamDecrypt(key, viaBuffer)).equals(plain)).toBe(true);
      expect((await decryptBuffer(key, viaBuffer)).equals(plain)).toBe(true);
    },
  );

  test('a small chunk size round-trips across many chunks', async () => {
    const plain = crypto.randomBytes(10_000);
    const ct = await collect(pieces(plain), createEncryptStream(key, { chunkSize: 100 }));
    expect(ct.length).toBe(HEADER + plain.length + 100 * TAG);
    expect((await streamDecrypt(key, ct)).equals(plain)).toBe(true);
    expect(
      (await decryptBuffer(key, await encryptBuffer(key, plain, { chunkSize: 100 }))).equals(plain),
    ).toBe(true);
  });

  test('an empty input still yields a header and one authenticated final chunk', async () => {
    const ct = await encryptBuffer(key, Buffer.alloc(0));
    expect(ct.length).toBe(HEADER + TAG);
    expect((await decryptBuffer(key, ct)).length).toBe(0);
    await expect(decryptBuffer(key, ct.subarray(0, HEADER))).rejects.toThrow(/truncated/);
  });

  test('two encryptions of the same clip share no nonce prefix', async () => {
    const plain = Buffer.from('same clip');
    const a = await encryptBuffer(key, plain);
    const b = await encryptBuffer(key, plain);
    expect(a.subarray(9, 16).equals(b.subarray(9, 16))).toBe(false);
  });
});

describe('envelope encryption rejects tampering', () => {
  const key = generateDataKey();
  const chunkSize = 1024;
  const frame = chunkSize + TAG;
  // Three full chunks and a short final one; and a variant whose final chunk is exactly full.
  const plain = crypto.randomBytes(3 * chunkSize + 500);
  const aligned = crypto.randomBytes(3 * chunkSize);
  let ct: Buffer;
  let ctAligned: Buffer;
  const frameAt = (buf: Buffer, i: number): Buffer =>
    buf.subarray(HEADER + i * frame, HEADER + (i + 1) * frame);

  beforeAll(async () => {
    ct = await encryptBuffer(key, plain, { chunkSize });
    ctAligned = await encryptBuffer(key, aligned, { chunkSize });
    expect((await decryptBuffer(key, ct)).equals(plain)).toBe(true);
    expect((await decryptBuffer(key, ctAligned)).equals(aligned)).toBe(true);
  });

  const expectRejected = async (
    tampered: Buffer,
    message: RegExp = /authentication|truncated/,
  ): Promise<void> => {
    await expect(decryptBuffer(key, tampered)).rejects.toThrow(message);
    await expect(streamDecrypt(key, tampered)).rejects.toThrow(message);
  };

  test('truncation at a chunk boundary', async () => {
    await expectRejected(ct.subarray(0, HEADER + 2 * frame));
    await expectRejected(ct.subarray(0, HEADER + 3 * frame));
    await expectRejected(ctAligned.subarray(0, HEADER + 2 * frame));
    await expectRejected(ct.subarray(0, HEADER));
  });

  test('truncation inside a chunk and inside the header', async () => {
    await expectRejected(ct.subarray(0, ct.length - 1));
    await expectRejected(ct.subarray(0, HEADER + frame + 10));
    await expectRejected(ct.subarray(0, HEADER - 1), /truncated/);
  });

  test('chunks reordered, dropped or duplicated, and data appended', async () => {
    const header = ct.subarray(0, HEADER);
    const last = ct.subarray(HEADER + 3 * frame);
    const [f0, f1, f2] = [0, 1, 2].map((i) => frameAt(ct, i)) as [Buffer, Buffer, Buffer];
    await expectRejected(Buffer.concat([header, f1, f0, f2, last]));
    await expectRejected(Buffer.concat([header, f0, f2, last]));
    await expectRejected(Buffer.concat([header, f0, f1, f1, f2, last]));
    await expectRejected(Buffer.concat([header, f0, f1, f2, last, last]));
    await expectRejected(Buffer.concat([ctAligned, Buffer.from('x')]));
  });

  test('a final chunk moved to another position, or a chunk spliced in from another clip', async () => {
    const other = await encryptBuffer(key, crypto.randomBytes(plain.length), { chunkSize });
    const spliced = Buffer.from(ct);
    frameAt(other, 1).copy(spliced, HEADER + frame);
    await expectRejected(spliced);
    const finalTwice = Buffer.concat([
      ctAligned.subarray(0, HEADER + 2 * frame),
      frameAt(ctAligned, 2),
      frameAt(ctAligned, 2),
    ]);
    await expectRejected(finalTwice);
  });

  test('a single flipped bit in the header, a ciphertext or a tag', async () => {
    for (const at of [10, HEADER + 5, HEADER + frame - 1, HEADER + frame + 100, ct.length - 1]) {
      const flipped = Buffer.from(ct);
      flipped[at] = (flipped[at] as number) ^ 0x01;
      await expectRejected(flipped);
    }
    const otherChunkSize = Buffer.from(ct);
    otherChunkSize[8] = (otherChunkSize[8] as number) ^ 0x01;
    await expectRejected(otherChunkSize);
    const badMagic = Buffer.from(ct);
    badMagic[0] = 0;
    await expectRejected(badMagic, /not an encrypted clip/);
  });

  test('the wrong data key', async () => {
    await expect(decryptBuffer(generateDataKey(), ct)).rejects.toThrow(/authentication/);
    await expect(streamDecrypt(generateDataKey(), ct)).rejects.toThrow(/authentication/);
  });
});

describe('wrapped data keys', () => {
  const k1 = { id: 'k1', key: crypto.randomBytes(32) };
  const k2 = { id: 'k2', key: crypto.randomBytes(32) };
  const ring = new Map([
    [k1.id, k1.key],
    [k2.id, k2.key],
  ]);
  const lookup = (id: string): Buffer | undefined => ring.get(id);

  test('wrap and unwrap, with the key id readable from the wrapped form', () => {
    const dataKey = generateDataKey();
    const wrapped = wrapDataKey(dataKey, k2);
    expect(wrapped).toMatch(/^v1:k2:[^:]+:[^:]+:[^:]+$/);
    expect(wrappedKeyId(wrapped)).toBe('k2');
    expect(unwrapDataKey(wrapped, lookup).equals(dataKey)).toBe(true);
  });

  test('the same format as the key ring: each unwraps what the other wrapped', () => {
    const dataKey = generateDataKey();
    const keyRing = new KeyRing([k1, k2]);
    expect(keyRing.unwrap(wrapDataKey(dataKey, k1)).equals(dataKey)).toBe(true);
    expect(unwrapDataKey(keyRing.wrap(dataKey), lookup).equals(dataKey)).toBe(true);
  });

  test('an unknown key id, a flipped bit, a relabelled id or a malformed string is refused', () => {
    const wrapped = wrapDataKey(generateDataKey(), k1);
    expect(() => unwrapDataKey(wrapped, () => undefined)).toThrow(/"k1".*not in the key ring/);
    expect(() => unwrapDataKey(wrapped.replace(':k1:', ':k2:'), lookup)).toThrow(/authentication/);
    const parts = wrapped.split(':');
    const ct = Buffer.from(parts[4] as string, 'base64');
    ct[0] = (ct[0] as number) ^ 1;
    parts[4] = ct.toString('base64');
    expect(() => unwrapDataKey(parts.join(':'), lookup)).toThrow(/authentication/);
    expect(() => unwrapDataKey('v1:k1:abc', lookup)).toThrow(/malformed/);
    expect(() => wrappedKeyId('garbage')).toThrow(/malformed/);
  });

  test('keys of the wrong size are refused before use', () => {
    expect(() => wrapDataKey(Buffer.alloc(16), k1)).toThrow(/32 bytes/);
    expect(() => wrapDataKey(generateDataKey(), { id: 'short', key: Buffer.alloc(16) })).toThrow(/32 bytes/);
    expect(() => createEncryptStream(Buffer.alloc(31))).toThrow(/32 bytes/);
  });
});

describe('envelope streaming memory', () => {
  test('50 MiB through encrypt and decrypt keeps retained memory flat', async () => {
    // A handle on the collector, so samples measure what is retained, not garbage awaiting collection.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const total = 50 * 1024 * 1024;
    const block = crypto.randomBytes(64 * 1024);
    const expected = crypto.createHash('sha256');
    for (let sent = 0; sent < total; sent += block.length) expected.update(block);
    const actual = crypto.createHash('sha256');
    const used = (): number => {
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const key = generateDataKey();
    let received = 0;
    let nextSample = 0;
    const samples: number[] = [];
    gc();
    const baseline = used();
    await pipeline(
      Readable.from(
        (function* () {
          for (let sent = 0; sent < total; sent += block.length) yield block;
        })(),
        { objectMode: false },
      ),
      createEncryptStream(key),
      createDecryptStream(key),
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          actual.update(chunk);
          received += chunk.length;
          if (received >= nextSample) {
            nextSample += 4 * 1024 * 1024;
            gc();
            samples.push(used() - baseline);
          }
          cb();
        },
      }),
    );
    expect(received).toBe(total);
    expect(actual.digest('hex')).toBe(expected.digest('hex'));
    // Buffering would retain 50 MiB. The live set is about one chunk per stage; the margin above it
    // is for array-buffer memory V8 releases a moment after collection, which shows up as spikes.
    expect(Math.max(...samples)).toBeLessThan(16 * 1024 * 1024);
  });
});
