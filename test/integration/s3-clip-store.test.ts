import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ClipStore } from '../../src/storage/clip-store';
import { startEmbeddedS3, type EmbeddedS3 } from '../../src/storage/embedded-s3';
import { createS3ClipStore } from '../../src/storage/s3-clip-store';

describe('S3 clip store against s3rver', () => {
  let dir: string;
  let s3: EmbeddedS3;
  let store: ClipStore;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clip-store-'));
    s3 = await startEmbeddedS3({ directory: dir, bucket: 'clips-test' });
    store = createS3ClipStore({
      bucket: s3.bucket,
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: s3.credentials,
    });
  });

  afterAll(async () => {
    await s3.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the embedded server listens on loopback and holds the bucket', async () => {
    expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect(store.ping()).resolves.toBeUndefined();
  });

  test('put, head, get, getStream and delete round-trip an object', async () => {
    const key = `clips/${crypto.randomUUID()}`;
    const body = crypto.randomBytes(300_000);
    expect(await store.head(key)).toBeNull();
    await store.put(key, body);
    expect(await store.head(key)).toEqual({ size: body.length });
    expect((await store.get(key)).equals(body)).toBe(true);
    const parts: Buffer[] = [];
    for await (const part of await store.getStream(key)) parts.push(Buffer.from(part as Uint8Array));
    expect(Buffer.concat(parts).equals(body)).toBe(true);
    await store.delete(key);
    expect(await store.head(key)).toBeNull();
    // Jobs retry deletions: deleting what is already gone succeeds.
    await expect(store.delete(key)).resolves.toBeUndefined();
  });

  test('objects carry a content type and no metadata', async () => {
    const key = `clips/${crypto.randomUUID()}`;
    await store.put(key, Buffer.from('ciphertext'));
    const client = new S3Client({
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: s3.credentials,
    });
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
      expect(head.ContentType).toBe('application/octet-stream');
      expect(head.Metadata ?? {}).toEqual({});
    } finally {
      client.destroy();
    }
  });

  test('an empty object round-trips', async () => {
    const key = `clips/${crypto.randomUUID()}`;
    await store.put(key, Buffer.alloc(0));
    expect(await store.head(key)).toEqual({ size: 0 });
    expect((await store.get(key)).length).toBe(0);
  });

  test('reading a missing object rejects', async () => {
    await expect(store.get(`clips/${crypto.randomUUID()}`)).rejects.toThrow();
  });

  test('a missing bucket makes ping reject', async () => {
    const other = createS3ClipStore({
      bucket: 'no-such-bucket',
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: s3.credentials,
    });
    await expect(other.ping()).rejects.toThrow();
  });
});

describe('S3 clip store when the server is gone', () => {
  test('put, head and ping reject within a few seconds', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clip-store-down-'));
    try {
      const s3 = await startEmbeddedS3({ directory: dir, bucket: 'clips-down' });
      const store = createS3ClipStore({
        bucket: s3.bucket,
        region: 'us-east-1',
        endpoint: s3.endpoint,
        forcePathStyle: true,
        credentials: s3.credentials,
      });
      // A pooled keep-alive connection from before the outage must not make the failure slower.
      await store.put('warm', Buffer.from('x'));
      await s3.close();
      for (const attempt of [
        () => store.put('after-close', crypto.randomBytes(1000)),
        () => store.head('warm'),
        () => store.ping(),
      ]) {
        const started = Date.now();
        await expect(attempt()).rejects.toThrow();
        expect(Date.now() - started).toBeLessThan(5_000);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('S3 clip store against a server that accepts and never answers', () => {
  test('put rejects once its timeouts run out instead of hanging the job worker', async () => {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const store = createS3ClipStore({
        bucket: 'silent',
        region: 'us-east-1',
        endpoint: `http://127.0.0.1:${port}`,
        forcePathStyle: true,
        credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      });
      const started = Date.now();
      await expect(store.put('k', Buffer.from('x'))).rejects.toThrow();
      // Two attempts of a 5 s idle limit, plus back-off between them.
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 25_000);
});
