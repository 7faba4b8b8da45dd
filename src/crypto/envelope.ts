import crypto from 'node:crypto';
import { randomBytes } from './random';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Clip encryption: a fresh data key per clip, wrapped by the active key-ring entry, and the clip
 * sealed with AES-256-GCM in authenticated chunks (the STREAM construction of Hoang, Reyhanitabar,
 * Rogaway and Vizár): nonce = random prefix ‖ chunk counter ‖ last-chunk flag, header as AAD.
 * Memory stays at about one chunk however long the input; truncation (even at a chunk boundary),
 * reordering, dropped or repeated chunks, bit flips and a wrong key all fail authentication.
 *
 * Layout: "CGE1" | version (1 byte) | chunk size (uint32 BE) | nonce prefix (7 bytes) |
 *         chunks, each ciphertext ‖ 16-byte tag; every chunk but the last holds exactly chunk size
 *         plaintext bytes, the last holds 0..chunk size (an empty input still has one).
 * Version 2 binds a context that is not stored (for clips: the consent ID and the object key):
 * the AAD is header ‖ context, so a clip opened for another consent or under another key fails.
 * Version 1 (no context) stays readable.
 */

export interface KeyEntry {
  id: string;
  /** 32-byte key-encryption key from the key ring. */
  key: Buffer;
}

const MAGIC = Buffer.from('CGE1');
const VERSION = 1;
const VERSION_BOUND = 2;
const PREFIX_LEN = 7;
const HEADER_LEN = MAGIC.length + 1 + 4 + PREFIX_LEN;
const TAG_LEN = 16;
const KEY_LEN = 32;
/**
 * Each chunk needs a fresh GCM context (about 3 µs in OpenSSL, the time AES-GCM takes for ~10 KB),
 * so the chunk size sets the cost against plain AES-GCM: measured 0.80–0.89× at 64 KiB,
 * 0.87–0.96× at 256 KiB and 0.96–1.0× at 1 MiB on a busy two-core machine. A reader holds at most
 * one chunk, which is still flat memory, and a consent clip (~100 KB of MP3) is one chunk anyway.
 * Readers take the size from the header, so changing it never affects stored clips.
 */
export const DEFAULT_CHUNK = 1024 * 1024;
/** The context a clip is bound to: not secret, never stored in the object, supplied again to open it. */
export function clipContext(consentId: string, objectKey: string): Buffer {
  return Buffer.from(`consent-clip\n${consentId}\n${objectKey}`, 'utf8');
}

export interface EnvelopeOptions {
  chunkSize?: number;
  /** Bound into every chunk's AAD (version 2); omitted, the envelope is version 1. */
  context?: Buffer;
}

/** Bounds what a crafted header can make a reader buffer. */
const MAX_CHUNK = 16 * 1024 * 1024;
const MAX_CHUNKS = 0xffffffff;
const EMPTY: Buffer = Buffer.alloc(0);

export function generateDataKey(): Buffer {
  return randomBytes(KEY_LEN);
}

function checkKey(key: Buffer, what: string): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_LEN)
    throw new Error(
      `${what} must be ${KEY_LEN} bytes, got ${Buffer.isBuffer(key) ? key.length : typeof key}`,
    );
}

// Wrapped data keys use the key ring's format, so keys wrapped by either side unwrap with the other.
const WRAP_VERSION = 'v1';

export function wrapDataKey(dataKey: Buffer, kek: KeyEntry): string {
  checkKey(dataKey, 'data key');
  checkKey(kek.key, `key-encryption key "${kek.id}"`);
  if (!kek.id || kek.id.includes(':'))
    throw new Error(`key id "${kek.id}" must be non-empty and contain no ":"`);
  const iv = randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', kek.key, iv);
  // Binding the id means a wrapped key relabelled to another ring entry fails instead of unwrapping.
  cipher.setAAD(Buffer.from(kek.id));
  const ct = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return [
    WRAP_VERSION,
    kek.id,
    iv.toString('base64'),
    cipher.getAuthTag().toString('base64'),
    ct.toString('base64'),
  ].join(':');
}

function parseWrapped(wrapped: string): { keyId: string; iv: Buffer; tag: Buffer; ct: Buffer } {
  const parts = typeof wrapped === 'string' ? wrapped.split(':') : [];
  const [version, keyId, iv, tag, ct] = parts;
  if (parts.length !== 5 || version !== WRAP_VERSION || !keyId || !iv || !tag || !ct)
    throw new Error('wrapped data key is malformed (expected "v1:<keyId>:<iv>:<tag>:<ciphertext>")');
  return {
    keyId,
    iv: Buffer.from(iv, 'base64'),
    tag: Buffer.from(tag, 'base64'),
    ct: Buffer.from(ct, 'base64'),
  };
}

export function wrappedKeyId(wrapped: string): string {
  return parseWrapped(wrapped).keyId;
}

export function unwrapDataKey(wrapped: string, lookup: (keyId: string) => Buffer | undefined): Buffer {
  const { keyId, iv, tag, ct } = parseWrapped(wrapped);
  const kek = lookup(keyId);
  if (!kek) throw new Error(`wrapped data key needs key "${keyId}", which is not in the key ring`);
  checkKey(kek, `key-encryption key "${keyId}"`);
  if (iv.length !== 12 || tag.length !== TAG_LEN)
    throw new Error('wrapped data key is malformed (bad iv or tag length)');
  const decipher = crypto.createDecipheriv('aes-256-gcm', kek, iv);
  decipher.setAAD(Buffer.from(keyId));
  decipher.setAuthTag(tag);
  let dataKey: Buffer;
  try {
    dataKey = Buffer.concat([decipher.update(ct), decipher.final()]);
  } catch {
    throw new Error(`wrapped data key failed authentication with key "${keyId}" (altered or wrong key)`);
  }
  checkKey(dataKey, 'unwrapped data key');
  return dataKey;
}

function nonceFor(prefix: Buffer, counter: number, last: boolean): Buffer {
  const n = Buffer.allocUnsafe(12);
  prefix.copy(n, 0, 0, PREFIX_LEN);
  n.writeUInt32BE(counter, PREFIX_LEN);
  n[11] = last ? 1 : 0;
  return n;
}

/**
 * Incoming buffers waiting to become chunks. Hands out views, never copies: a chunk larger than the
 * writer's buffers is fed to the cipher piece by piece, so no byte is copied on the way through.
 */
class ByteQueue {
  private parts: Buffer[] = [];
  private head = 0;
  length = 0;

  push(b: Buffer): void {
    if (b.length === 0) return;
    this.parts.push(b);
    this.length += b.length;
  }

  /** The next n bytes as views over the queued buffers. */
  take(n: number): Buffer[] {
    const out: Buffer[] = [];
    this.length -= n;
    while (n > 0) {
      const part = this.parts[this.head] as Buffer;
      if (part.length > n) {
        out.push(part.subarray(0, n));
        this.parts[this.head] = part.subarray(n);
        break;
      }
      out.push(part);
      n -= part.length;
      this.parts[this.head] = EMPTY;
      this.head += 1;
    }
    // Compacting now and then keeps Array#shift (O(n) per call) out of the per-chunk path.
    if (this.head > 64 && this.head * 2 > this.parts.length) {
      this.parts = this.parts.slice(this.head);
      this.head = 0;
    }
    return out;
  }
}

/** Splits views at byte offset n, copying nothing. */
function splitAt(parts: readonly Buffer[], n: number): [Buffer[], Buffer[]] {
  const before: Buffer[] = [];
  const after: Buffer[] = [];
  for (const part of parts) {
    if (n >= part.length) before.push(part);
    else if (n <= 0) after.push(part);
    else {
      before.push(part.subarray(0, n));
      after.push(part.subarray(n));
    }
    n -= part.length;
  }
  return [before, after];
}

const byteLength = (parts: readonly Buffer[]): number => parts.reduce((sum, p) => sum + p.length, 0);

class Sealer {
  readonly header: Buffer;
  private readonly aad: Buffer;
  private readonly prefix: Buffer;
  private counter = 0;

  constructor(
    private readonly key: Buffer,
    readonly chunkSize: number,
    context?: Buffer,
  ) {
    checkKey(key, 'data key');
    if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK)
      throw new Error(`chunk size must be an integer in 1..${MAX_CHUNK}, got ${chunkSize}`);
    this.prefix = crypto.randomBytes(PREFIX_LEN);
    this.header = Buffer.allocUnsafe(HEADER_LEN);
    MAGIC.copy(this.header, 0);
    this.header[4] = context ? VERSION_BOUND : VERSION;
    this.header.writeUInt32BE(chunkSize, 5);
    this.prefix.copy(this.header, 9);
    this.aad = context ? Buffer.concat([this.header, context]) : this.header;
  }

  /** Emits ciphertext per input piece and the tag separately: joining them would copy every chunk again. */
  seal(plain: readonly Buffer[], last: boolean, out: (b: Buffer) => void): void {
    if (this.counter > MAX_CHUNKS) throw new Error('input too long for one envelope');
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, nonceFor(this.prefix, this.counter, last));
    cipher.setAAD(this.aad);
    this.counter += 1;
    for (const piece of plain) {
      const ct = cipher.update(piece);
      if (ct.length > 0) out(ct);
    }
    cipher.final(); // GCM emits nothing here; it computes the tag.
    out(cipher.getAuthTag());
  }
}

class Opener {
  private header: Buffer | null = null;
  private aad: Buffer = EMPTY;
  private prefix: Buffer = EMPTY;
  private counter = 0;
  frameSize = 0;

  constructor(
    private readonly key: Buffer,
    private readonly context?: Buffer,
  ) {
    checkKey(key, 'data key');
  }

  get ready(): boolean {
    return this.header !== null;
  }

  readHeader(header: Buffer): void {
    if (!header.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not an encrypted clip (bad magic)');
    const version = header[4];
    if (version !== VERSION && version !== VERSION_BOUND)
      throw new Error(`encrypted clip has unsupported version ${version}`);
    if (version === VERSION_BOUND && !this.context)
      throw new Error('encrypted clip is bound to a consent: open it with its context');
    const chunkSize = header.readUInt32BE(5);
    if (chunkSize < 1 || chunkSize > MAX_CHUNK)
      throw new Error(`encrypted clip has invalid chunk size ${chunkSize}`);
    // A copy, so the AAD does not pin (or change with) the writer's buffer.
    this.header = Buffer.from(header);
    this.aad = version === VERSION_BOUND ? Buffer.concat([this.header, this.context as Buffer]) : this.header;
    this.prefix = this.header.subarray(9, 9 + PREFIX_LEN);
    this.frameSize = chunkSize + TAG_LEN;
  }

  /** Returns plaintext only after its tag verified: nothing unauthenticated leaves the reader. */
  open(frame: readonly Buffer[], last: boolean): Buffer[] {
    const index = this.counter;
    const size = byteLength(frame);
    if (size < TAG_LEN)
      throw new Error(`encrypted clip is truncated (chunk ${index} has ${size} bytes, less than a tag)`);
    if (index > MAX_CHUNKS) throw new Error('encrypted clip has too many chunks');
    const [ciphertext, tag] = splitAt(frame, size - TAG_LEN);
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, nonceFor(this.prefix, index, last));
    decipher.setAAD(this.aad);
    decipher.setAuthTag(tag.length === 1 ? (tag[0] as Buffer) : Buffer.concat(tag));
    this.counter += 1;
    const plain: Buffer[] = [];
    for (const piece of ciphertext) {
      const pt = decipher.update(piece);
      if (pt.length > 0) plain.push(pt);
    }
    try {
      decipher.final();
    } catch {
      throw new Error(
        `encrypted clip failed authentication at chunk ${index}${last ? ' (final)' : ''}: ` +
          'altered, reordered, truncated, the wrong key, or opened for another consent',
      );
    }
    return plain;
  }
}

const asBuffer = (chunk: unknown): Buffer =>
  Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);

export function createEncryptStream(dataKey: Buffer, options: EnvelopeOptions = {}): Transform {
  const sealer = new Sealer(dataKey, options.chunkSize ?? DEFAULT_CHUNK, options.context);
  const { chunkSize } = sealer;
  const queue = new ByteQueue();
  let headerSent = false;
  return new Transform({
    transform(chunk: unknown, _enc, cb: TransformCallback) {
      try {
        const push = (b: Buffer): void => void this.push(b);
        if (!headerSent) {
          this.push(sealer.header);
          headerSent = true;
        }
        queue.push(asBuffer(chunk));
        // Strictly more than a chunk: whether a chunk is the last is only known once more input exists.
        while (queue.length > chunkSize) sealer.seal(queue.take(chunkSize), false, push);
        cb();
      } catch (error) {
        cb(error as Error);
      }
    },
    flush(cb: TransformCallback) {
      try {
        if (!headerSent) this.push(sealer.header);
        sealer.seal(queue.take(queue.length), true, (b) => void this.push(b));
        cb();
      } catch (error) {
        cb(error as Error);
      }
    },
  });
}

export function createDecryptStream(dataKey: Buffer, options: { context?: Buffer } = {}): Transform {
  const opener = new Opener(dataKey, options.context);
  const queue = new ByteQueue();
  return new Transform({
    transform(chunk: unknown, _enc, cb: TransformCallback) {
      try {
        queue.push(asBuffer(chunk));
        if (!opener.ready) {
          if (queue.length < HEADER_LEN) return cb();
          opener.readHeader(Buffer.concat(queue.take(HEADER_LEN)));
        }
        // A full frame may still be the final one; only a byte beyond it proves otherwise.
        while (queue.length > opener.frameSize)
          for (const b of opener.open(queue.take(opener.frameSize), false)) this.push(b);
        cb();
      } catch (error) {
        cb(error as Error);
      }
    },
    flush(cb: TransformCallback) {
      try {
        if (!opener.ready) throw new Error('encrypted clip is truncated (incomplete header)');
        for (const b of opener.open(queue.take(queue.length), true)) this.push(b);
        cb();
      } catch (error) {
        cb(error as Error);
      }
    },
  });
}

/** One-shot form for clips already in memory: same format, no stream machinery. */
export async function encryptBuffer(
  dataKey: Buffer,
  plain: Buffer,
  // A bare number is the chunk size, as the first version of this function took it.
  options: EnvelopeOptions | number = {},
): Promise<Buffer> {
  const o = typeof options === 'number' ? { chunkSize: options } : options;
  const sealer = new Sealer(dataKey, o.chunkSize ?? DEFAULT_CHUNK, o.context);
  const parts: Buffer[] = [sealer.header];
  const push = (b: Buffer): void => void parts.push(b);
  let off = 0;
  while (plain.length - off > sealer.chunkSize) {
    sealer.seal([plain.subarray(off, off + sealer.chunkSize)], false, push);
    off += sealer.chunkSize;
  }
  sealer.seal([plain.subarray(off)], true, push);
  return Buffer.concat(parts);
}

export async function decryptBuffer(
  dataKey: Buffer,
  ct: Buffer,
  options: { context?: Buffer } = {},
): Promise<Buffer> {
  const opener = new Opener(dataKey, options.context);
  if (ct.length < HEADER_LEN) throw new Error('encrypted clip is truncated (incomplete header)');
  opener.readHeader(ct.subarray(0, HEADER_LEN));
  const parts: Buffer[] = [];
  let off = HEADER_LEN;
  while (ct.length - off > opener.frameSize) {
    parts.push(...opener.open([ct.subarray(off, off + opener.frameSize)], false));
    off += opener.frameSize;
  }
  parts.push(...opener.open([ct.subarray(off)], true));
  return Buffer.concat(parts);
}
