import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { ClipStore } from './clip-store';

export interface S3Options {
  bucket: string;
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Omitted: the SDK's default chain (AWS_ACCESS_KEY_ID, profiles, instance roles, ...). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

const isNotFound = (error: unknown): boolean =>
  error instanceof S3ServiceException &&
  (error.$metadata.httpStatusCode === 404 || error.name === 'NotFound' || error.name === 'NoSuchKey');

/**
 * S3 or any S3-compatible server. Timeouts are short and SDK retries few: the durable job queue
 * is what retries, with back-off, across outages and restarts, and a worker stuck for minutes on
 * a dead connection would only delay that. Every failure is thrown, never swallowed.
 */
export function createS3ClipStore(o: S3Options): ClipStore {
  const client = new S3Client({
    region: o.region,
    endpoint: o.endpoint,
    forcePathStyle: o.forcePathStyle,
    credentials: o.credentials,
    maxAttempts: 2,
    requestHandler: {
      connectionTimeout: 5_000,
      // Time to the response headers. Without throwOnRequestTimeout this SDK only logs a warning
      // and waits on: a server that accepts and never answers would hold a worker indefinitely.
      requestTimeout: 5_000,
      throwOnRequestTimeout: true,
      // Idle limit while a body moves; clips are ~100 KB, so a stall this long means a dead peer.
      socketTimeout: 5_000,
    },
  });
  const Bucket = o.bucket;
  return {
    async put(key, body) {
      await client.send(
        new PutObjectCommand({
          Bucket,
          Key: key,
          Body: body,
          ContentLength: body.length,
          // Deliberately nothing else: metadata would sit beside the ciphertext in clear.
          ContentType: 'application/octet-stream',
        }),
      );
    },
    async get(key) {
      const res = await client.send(new GetObjectCommand({ Bucket, Key: key }));
      if (!res.Body) throw new Error(`object ${key} has no body`);
      return Buffer.from(await res.Body.transformToByteArray());
    },
    async getStream(key) {
      const res = await client.send(new GetObjectCommand({ Bucket, Key: key }));
      if (!(res.Body instanceof Readable)) throw new Error(`object ${key} has no stream body`);
      return res.Body;
    },
    async head(key) {
      try {
        const res = await client.send(new HeadObjectCommand({ Bucket, Key: key }));
        return { size: res.ContentLength ?? 0 };
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },
    async delete(key) {
      // S3 answers 204 for a key that is already gone, so a retried deletion succeeds.
      await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
    },
    async ping() {
      await client.send(new HeadBucketCommand({ Bucket }));
    },
  };
}
