import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { S3Options } from './s3-clip-store';

/**
 * Signed checkpoints in the clip bucket under `checkpoints/`, outside the database, so a restored
 * or rewritten ledger meets what it published. Objects are written once and never overwritten: the
 * write is conditional (`If-None-Match: *`, honoured by S3), preceded by a read for stores that
 * ignore the condition. In production the bucket has S3 Object Lock in compliance mode (README).
 */
export interface CheckpointStore {
  /** Writes the object if absent; an existing object with other content is an error, never replaced. */
  putOnce(key: string, body: string): Promise<'written' | 'present'>;
  get(key: string): Promise<string | null>;
  /** Keys under the prefix in ascending order, after `startAfter` when given. */
  list(startAfter?: string): Promise<string[]>;
}

export const CHECKPOINT_PREFIX = 'checkpoints/';

/** `checkpoints/<epoch>/<size>`, zero-padded so that the bucket's key order is the log's order. */
export function checkpointKey(epoch: number, size: number): string {
  return `${CHECKPOINT_PREFIX}${String(epoch).padStart(4, '0')}/${String(size).padStart(16, '0')}`;
}

export function parseCheckpointKey(key: string): { epoch: number; size: number } | null {
  const m = /^checkpoints\/(\d{4})\/(\d{16})$/.exec(key);
  return m ? { epoch: Number(m[1]), size: Number(m[2]) } : null;
}

const status = (error: unknown): number | undefined =>
  error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;

export function createS3CheckpointStore(o: S3Options): CheckpointStore {
  const client = new S3Client({
    region: o.region,
    endpoint: o.endpoint,
    forcePathStyle: o.forcePathStyle,
    credentials: o.credentials,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
  });
  const Bucket = o.bucket;
  const get = async (key: string): Promise<string | null> => {
    try {
      const res = await client.send(new GetObjectCommand({ Bucket, Key: key }));
      return res.Body ? await res.Body.transformToString('utf8') : '';
    } catch (error) {
      if (status(error) === 404 || (error instanceof Error && error.name === 'NoSuchKey')) return null;
      throw error;
    }
  };
  return {
    get,
    async putOnce(key, body) {
      const existing = await get(key);
      if (existing !== null) {
        if (existing !== body)
          throw new Error(`${key} already holds another checkpoint; it is never replaced`);
        return 'present';
      }
      try {
        await client.send(
          new PutObjectCommand({
            Bucket,
            Key: key,
            Body: body,
            ContentType: 'text/plain; charset=utf-8',
            IfNoneMatch: '*',
          }),
        );
      } catch (error) {
        if (status(error) !== 412) throw error;
        if ((await get(key)) !== body)
          throw new Error(`${key} already holds another checkpoint`, { cause: error });
        return 'present';
      }
      return 'written';
    },
    async list(startAfter) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const res = await client.send(
          new ListObjectsV2Command({
            Bucket,
            Prefix: CHECKPOINT_PREFIX,
            StartAfter: token ? undefined : startAfter,
            ContinuationToken: token,
          }),
        );
        for (const item of res.Contents ?? []) if (item.Key) keys.push(item.Key);
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
  };
}
