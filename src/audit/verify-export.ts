import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { eventHash, type ChainedRow } from '../ledger/chain';

/**
 * Offline verification of an evidence ZIP, without this code:
 *
 *   unzip evidence.zip -d ev && cd ev
 *   sha256sum record.json summary.html notice.txt chain-proof.json clip.mp3   # compare with manifest.json "files"
 *   sha256sum manifest.json                                                   # equals signature.json "manifestSha256"
 *   node -e 'const s=require("./signature.json");process.stdout.write(s.signature)' | base64 -d > sig.bin
 *   printf %s "$(node -p 'require("./signature.json").manifestSha256')" > signed.txt
 *   openssl pkeyutl -verify -pubin -inkey portal-public-key.pem -rawin -in signed.txt -sigfile sig.bin
 *
 * Use the public key shown in the portal (or `consent keys public`), not the copy inside the ZIP:
 * a forger would replace both. In node: `verifyEvidenceZip(buffer, publicKeyPem)`.
 */
export interface ExportVerdict {
  ok: boolean;
  problems: string[];
  files: string[];
  consentId: string | null;
}

/** Reads the entries of a ZIP (stored or deflated), enough for our own exports. */
export function readZip(buf: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--)
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd < 0) throw new Error('not a ZIP file');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('corrupt ZIP central directory');
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataStart, dataStart + size);
    if (method === 0) out.set(name, Buffer.from(raw));
    else if (method === 8) out.set(name, zlib.inflateRawSync(raw));
    else throw new Error(`unsupported ZIP method ${method} for ${name}`);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

const sha256 = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');

/**
 * Checks every file against the manifest, the manifest against the signature, the signature against
 * the trusted public key, and the chain proof's links.
 */
export function verifyEvidenceZip(zipBuffer: Buffer, trustedPublicKeyPem: string): ExportVerdict {
  const problems: string[] = [];
  const files = readZip(zipBuffer);
  const manifestBuf = files.get('manifest.json');
  const signatureBuf = files.get('signature.json');
  if (!manifestBuf || !signatureBuf)
    return {
      ok: false,
      problems: ['manifest.json or signature.json missing'],
      files: [...files.keys()],
      consentId: null,
    };
  const manifest = JSON.parse(manifestBuf.toString()) as { consentId: string; files: Record<string, string> };
  const sig = JSON.parse(signatureBuf.toString()) as { manifestSha256: string; signature: string };
  const manifestSha = sha256(manifestBuf);
  if (sig.manifestSha256 !== manifestSha) problems.push('signature.json does not name this manifest');
  const key = crypto.createPublicKey(trustedPublicKeyPem);
  if (!crypto.verify(null, Buffer.from(manifestSha), key, Buffer.from(sig.signature, 'base64')))
    problems.push('signature does not verify with the trusted public key');
  for (const [name, expected] of Object.entries(manifest.files)) {
    const content = files.get(name);
    if (!content) problems.push(`${name} is missing`);
    else if (sha256(content) !== expected) problems.push(`${name} was altered`);
  }
  for (const name of files.keys())
    if (!(name in manifest.files) && name !== 'manifest.json' && name !== 'signature.json')
      problems.push(`${name} is not in the manifest`);
  const proof = files.get('chain-proof.json');
  if (proof) {
    const { events } = JSON.parse(proof.toString()) as { events: ChainedRow[] };
    for (const e of events)
      if (eventHash(e.prev_hash, e) !== e.hash) problems.push(`chain event ${e.seq} does not match its hash`);
  }
  return {
    ok: problems.length === 0,
    problems,
    files: [...files.keys()],
    consentId: manifest.consentId ?? null,
  };
}
