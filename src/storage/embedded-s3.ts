import fs from 'node:fs';
import S3rver from 's3rver';

export interface EmbeddedS3 {
  endpoint: string;
  bucket: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  close(): Promise<void>;
}

/**
 * A real S3-compatible server (s3rver) on loopback, so the quick start and the tests use exactly
 * the code path production uses against S3. Objects persist in `directory`; port 0 picks a free one.
 */
export async function startEmbeddedS3(opts: {
  directory: string;
  port?: number;
  bucket: string;
}): Promise<EmbeddedS3> {
  fs.mkdirSync(opts.directory, { recursive: true, mode: 0o700 });
  const server = new S3rver({
    address: '127.0.0.1',
    port: opts.port ?? 0,
    directory: opts.directory,
    silent: true,
    configureBuckets: [{ name: opts.bucket }],
  });
  const address = await server.run();
  let closing: Promise<void> | null = null;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket: opts.bucket,
    // s3rver's fixed development credentials; it accepts no others.
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    // Shutdown paths (signal handler, test teardown) may both call close; the second must not throw.
    close: () => (closing ??= server.close()),
  };
}
