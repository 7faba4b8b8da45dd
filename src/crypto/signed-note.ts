import crypto from 'node:crypto';

/**
 * C2SP signed-note (Ed25519) and the tlog-checkpoint body it carries.
 *
 *   <origin>\n<tree size>\n<base64 root hash>\n      the checkpoint body = the signed note text
 *   \n
 *   — <key name> <base64(key ID ‖ Ed25519 signature over the text)>\n
 *
 * key ID = the first 4 bytes of SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key).
 */

const EM_DASH = '\u2014';
const ED25519 = 0x01;

/** The 32 raw bytes of an Ed25519 public key (RFC 8032 encoding). */
export function rawPublicKey(key: crypto.KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('not an Ed25519 key');
  return Buffer.from(jwk.x, 'base64url');
}

export function noteKeyId(keyName: string, publicKey: crypto.KeyObject): Buffer {
  return crypto
    .createHash('sha256')
    .update(keyName)
    .update(Buffer.from([0x0a, ED25519]))
    .update(rawPublicKey(publicKey))
    .digest()
    .subarray(0, 4);
}

/** Key names are schema-less URLs: no spaces, no plus signs (they separate fields of a verifier key). */
export function checkKeyName(name: string): void {
  if (!/^[\x21-\x7e]+$/.test(name) || name.includes('+')) throw new Error(`bad note key name "${name}"`);
}

export function signNote(text: string, keyName: string, privateKey: crypto.KeyObject): string {
  checkKeyName(keyName);
  if (!text.endsWith('\n')) throw new Error('a note text ends in a newline');
  const publicKey = crypto.createPublicKey(privateKey);
  const signature = crypto.sign(null, Buffer.from(text, 'utf8'), privateKey);
  const blob = Buffer.concat([noteKeyId(keyName, publicKey), signature]).toString('base64');
  return `${text}\n${EM_DASH} ${keyName} ${blob}\n`;
}

export interface OpenedNote {
  text: string;
  keyName: string;
}

/**
 * The note's text when one of its signature lines is by `publicKey` (matched by key ID, under any
 * name) and verifies; null otherwise. A line of a known key that fails rejects the whole note.
 */
export function openNote(note: string, publicKey: crypto.KeyObject): OpenedNote | null {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) return null;
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  let verified: OpenedNote | null = null;
  for (const line of lines) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    const keyName = m?.[1];
    const b64 = m?.[2];
    if (!keyName || !b64) return null;
    const blob = Buffer.from(b64, 'base64');
    if (blob.length !== 4 + 64) continue;
    if (!blob.subarray(0, 4).equals(noteKeyId(keyName, publicKey))) continue;
    if (!crypto.verify(null, Buffer.from(text, 'utf8'), publicKey, blob.subarray(4))) return null;
    verified = { text, keyName };
  }
  return verified;
}

export interface CheckpointBody {
  origin: string;
  size: number;
  root: Buffer;
}

export function formatCheckpoint(c: CheckpointBody): string {
  checkKeyName(c.origin);
  return `${c.origin}\n${c.size}\n${c.root.toString('base64')}\n`;
}

/** Parses a checkpoint body (extension lines after the root are allowed and ignored). */
export function parseCheckpoint(text: string): CheckpointBody | null {
  const lines = text.split('\n');
  if (lines.length < 4 || lines[lines.length - 1] !== '') return null;
  const [origin, size, root] = lines as [string, string, string];
  if (!origin || !/^(0|[1-9][0-9]*)$/.test(size)) return null;
  const n = Number(size);
  const hash = Buffer.from(root, 'base64');
  if (!Number.isSafeInteger(n) || hash.length !== 32 || hash.toString('base64') !== root) return null;
  return { origin, size: n, root: hash };
}

/** A signed checkpoint, verified with the log's public key; null when it is not one. */
export function openCheckpoint(
  note: string,
  publicKey: crypto.KeyObject,
): (CheckpointBody & { keyName: string }) | null {
  const opened = openNote(note, publicKey);
  if (!opened) return null;
  const body = parseCheckpoint(opened.text);
  return body ? { ...body, keyName: opened.keyName } : null;
}
