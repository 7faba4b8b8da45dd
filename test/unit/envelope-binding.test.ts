import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  clipContext,
  createDecryptStream,
  createEncryptStream,
  decryptBuffer,
  encryptBuffer,
  generateDataKey,
} from '../../src/crypto/envelope';

const plain = crypto.randomBytes(5000);

describe('clips bound to their consent and object key', () => {
  test('a bound clip opens only with the consent and object key it was sealed for', async () => {
    const key = generateDataKey();
    const ct = await encryptBuffer(key, plain, { context: clipContext('CNS-A', 'clips/a'), chunkSize: 1024 });
    expect(ct[4]).toBe(2);
    await expect(decryptBuffer(key, ct, { context: clipContext('CNS-A', 'clips/a') })).resolves.toEqual(
      plain,
    );
    await expect(decryptBuffer(key, ct, { context: clipContext('CNS-B', 'clips/a') })).rejects.toThrow(
      /failed authentication/,
    );
    await expect(decryptBuffer(key, ct, { context: clipContext('CNS-A', 'clips/b') })).rejects.toThrow(
      /failed authentication/,
    );
    await expect(decryptBuffer(key, ct)).rejects.toThrow(/bound to a consent/);
  });

  test('a version 1 clip (stored before binding) still opens, with or without a context', async () => {
    const key = generateDataKey();
    const ct = await encryptBuffer(key, plain);
    expect(ct[4]).toBe(1);
    await expect(decryptBuffer(key, ct, { context: clipContext('CNS-A', 'clips/a') })).resolves.toEqual(
      plain,
    );
  });

  test('the streaming reader and writer bind the same way', async () => {
    const key = generateDataKey();
    const context = clipContext('CNS-A', 'clips/a');
    const parts: Buffer[] = [];
    await pipeline(
      Readable.from([plain]),
      createEncryptStream(key, { context, chunkSize: 700 }),
      async (src) => {
        for await (const c of src) parts.push(c as Buffer);
      },
    );
    const ct = Buffer.concat(parts);
    await expect(decryptBuffer(key, ct, { context })).resolves.toEqual(plain);
    const out: Buffer[] = [];
    await expect(
      pipeline(
        Readable.from([ct]),
        createDecryptStream(key, { context: clipContext('CNS-B', 'clips/a') }),
        async (src) => {
          for await (const c of src) out.push(c as Buffer);
        },
      ),
    ).rejects.toThrow(/failed authentication/);
    expect(out).toEqual([]);
  });
});
