import yauzl from 'yauzl';

/** Bounds for a ZIP nobody vouches for (an upload on the public verify page). */
export interface ZipLimits {
  maxEntries: number;
  /** Per file and in total, after decompression: a small ZIP cannot unpack into gigabytes. */
  maxFileBytes: number;
  maxTotalBytes: number;
}

/** An evidence export holds about ten files, the largest a short consent clip. */
export const EVIDENCE_ZIP_LIMITS: ZipLimits = {
  maxEntries: 64,
  maxFileBytes: 32 * 1024 * 1024,
  maxTotalBytes: 48 * 1024 * 1024,
};

/** Why a ZIP could not be read, in words for the person who uploaded it. */
export class ZipReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipReadError';
  }
}

/** eachEntry closes the archive itself when it ends or fails; a second close must not throw. */
function closeQuietly(zip: yauzl.ZipFile): void {
  try {
    if (zip.isOpen) zip.close();
  } catch {
    // already closed
  }
}

async function readStream(stream: NodeJS.ReadableStream, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    size += b.length;
    if (size > max) throw new ZipReadError('a file in the ZIP unpacks larger than allowed');
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/**
 * The files of a ZIP by name, read with yauzl (which checks the central directory, each entry's
 * declared sizes against what it unpacks to, and file names). Refused with a ZipReadError: a
 * damaged or encrypted archive, a name twice (two readers could then see different files under
 * one name), folders or paths, and anything over the limits.
 */
export async function readZipFiles(
  buf: Buffer,
  limits: ZipLimits = EVIDENCE_ZIP_LIMITS,
): Promise<Map<string, Buffer>> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(buf, { strictFileNames: true, validateEntrySizes: true });
  } catch (error) {
    throw new ZipReadError(`not a readable ZIP file (${(error as Error).message})`);
  }
  const files = new Map<string, Buffer>();
  let total = 0;
  try {
    if (zip.entryCount > limits.maxEntries)
      throw new ZipReadError(`the ZIP holds ${zip.entryCount} files; an evidence export holds a few`);
    for await (const entry of zip.eachEntry()) {
      const name = entry.fileName;
      if (name.includes('/')) throw new ZipReadError(`the ZIP holds a folder or path (${name})`);
      if (files.has(name)) throw new ZipReadError(`the ZIP holds ${name} twice`);
      if (entry.isEncrypted()) throw new ZipReadError(`${name} is encrypted`);
      if (!entry.canDecodeFileData()) throw new ZipReadError(`${name} is compressed in an unsupported way`);
      if (entry.uncompressedSize > limits.maxFileBytes)
        throw new ZipReadError(`${name} unpacks larger than allowed`);
      total += entry.uncompressedSize;
      if (total > limits.maxTotalBytes) throw new ZipReadError('the ZIP unpacks larger than allowed');
      const stream = await zip.openReadStreamPromise(entry);
      files.set(name, await readStream(stream, limits.maxFileBytes));
    }
  } catch (error) {
    closeQuietly(zip);
    if (error instanceof ZipReadError) throw error;
    throw new ZipReadError(`the ZIP is damaged (${(error as Error).message})`);
  }
  return files;
}
