#!/usr/bin/env node
// Offline check of a consent evidence ZIP, with Node alone (no packages, no network):
//
//   node scripts/verify-evidence.mjs evidence.zip keys.txt
//
// keys.txt is what `consent keys public` prints (each PEM after a "# <use> ..." line); take it from
// the operator through a channel you trust, not from the ZIP. Checks: every file against
// manifest.json, manifest.json against signature.json (an "export" key), checkpoint.txt as a C2SP
// signed note (a "checkpoint" key), every log entry's RFC 9162 inclusion proof against the
// checkpoint's root, and record.json, notice.txt and the clip against the consent's latest record entry.
// Exit 0 when everything holds, 1 naming what does not.
import { Buffer } from 'node:buffer';
import console from 'node:console';
import crypto from 'node:crypto';
import fs from 'node:fs';
import process from 'node:process';
import zlib from 'node:zlib';

const [zipPath, keysPath] = process.argv.slice(2);
if (!zipPath || !keysPath) {
  console.error('usage: node scripts/verify-evidence.mjs <evidence.zip> <keys.txt>');
  process.exit(2);
}

/** The ZIP's files (stored or deflated), read from the central directory. */
function readZip(buf) {
  const files = new Map();
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i -= 1)
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd < 0) throw new Error('not a ZIP file');
  let p = buf.readUInt32LE(eocd + 16);
  for (let n = buf.readUInt16LE(eocd + 10); n > 0; n -= 1) {
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + size);
    files.set(name, method === 0 ? Buffer.from(raw) : zlib.inflateRawSync(raw));
    p += 46 + nameLen + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
  }
  return files;
}

/** `# <use> ...` followed by a PEM block, as `consent keys public` prints them. */
function readKeys(text) {
  const keys = [];
  const re = /^# (\S+)[^\n]*\n(-----BEGIN PUBLIC KEY-----\n[\s\S]*?-----END PUBLIC KEY-----)/gm;
  for (const m of text.matchAll(re)) keys.push({ use: m[1], key: crypto.createPublicKey(m[2]) });
  if (keys.length === 0 && text.includes('BEGIN PUBLIC KEY'))
    keys.push({ use: 'any', key: crypto.createPublicKey(text) });
  return keys;
}

const sha256 = (b) => crypto.createHash('sha256').update(b).digest();
const hex = (b) => sha256(b).toString('hex');
const nodeHash = (l, r) => sha256(Buffer.concat([Buffer.from([1]), l, r]));
const leafHash = (e) =>
  sha256(
    Buffer.concat([
      Buffer.from([0]),
      Buffer.from(JSON.stringify([e.seq, e.call_sid, e.consent_id, e.type, e.at, e.data])),
    ]),
  );

/** RFC 9162 §2.1.3.2: the root an audit path leads to, or null. */
function rootFromPath(index, size, leaf, path) {
  if (index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else r = nodeHash(r, p);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

/** C2SP signed-note: the text, if a signature line by one of `keys` verifies. */
function openNote(note, keys) {
  const split = note.lastIndexOf('\n\n');
  const text = note.slice(0, split + 1);
  for (const line of note
    .slice(split + 2)
    .trim()
    .split('\n')) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) continue;
    const blob = Buffer.from(m[2], 'base64');
    for (const { key } of keys) {
      const raw = Buffer.from(key.export({ format: 'jwk' }).x, 'base64url');
      const id = sha256(Buffer.concat([Buffer.from(`${m[1]}\n`), Buffer.from([1]), raw])).subarray(0, 4);
      if (blob.subarray(0, 4).equals(id) && crypto.verify(null, Buffer.from(text), key, blob.subarray(4)))
        return text;
    }
  }
  return null;
}

const samePurposes = (a, b) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

const problems = [];
const ok = (msg) => console.log(`ok    ${msg}`);
const fail = (msg) => {
  problems.push(msg);
  console.log(`FAIL  ${msg}`);
};

const files = readZip(fs.readFileSync(zipPath));
const keys = readKeys(fs.readFileSync(keysPath, 'utf8'));
const of = (...uses) => keys.filter((k) => uses.includes(k.use) || k.use === 'any');
const json = (name) => JSON.parse(files.get(name)?.toString('utf8') ?? 'null');

const manifest = json('manifest.json');
const signature = json('signature.json');
if (!manifest || !signature) fail('manifest.json or signature.json is missing');
else {
  for (const [name, digest] of Object.entries(manifest.files))
    if (!files.has(name)) fail(`${name} is listed in the manifest but missing`);
    else if (hex(files.get(name)) !== digest) fail(`${name} does not match its hash in the manifest`);
  for (const name of files.keys())
    if (!(name in manifest.files) && name !== 'manifest.json' && name !== 'signature.json')
      fail(`${name} is not in the manifest`);
  ok(`${Object.keys(manifest.files).length} files match manifest.json`);
  const manifestHash = hex(files.get('manifest.json'));
  const signed = of('export', 'legacy').some(({ key }) =>
    crypto.verify(null, Buffer.from(manifestHash), key, Buffer.from(signature.signature, 'base64')),
  );
  if (manifestHash !== signature.manifestSha256 || !signed)
    fail('signature.json does not sign this manifest with a trusted export key');
  else ok('manifest.json is signed by the operator’s export key');
}

const note = files.get('checkpoint.txt')?.toString('utf8');
const text = note ? openNote(note, of('checkpoint')) : null;
const entries = json('log-entries.json');
if (!text) fail('checkpoint.txt is missing or not signed by a trusted checkpoint key');
else {
  const [origin, sizeLine, rootLine] = text.split('\n');
  const size = Number(sizeLine);
  const root = Buffer.from(rootLine, 'base64');
  ok(`checkpoint.txt is signed: log ${origin}, ${size} entries`);
  if (!entries || entries.checkpointSize !== size)
    fail('log-entries.json is not proven against this checkpoint');
  else {
    for (const { event, leafIndex, inclusionProof } of entries.entries) {
      const got = rootFromPath(
        leafIndex,
        size,
        leafHash(event),
        inclusionProof.map((p) => Buffer.from(p, 'base64')),
      );
      if (leafIndex !== event.seq - 1 || !got || !got.equals(root))
        fail(`entry ${event.seq} (${event.type}) is not included in checkpoint ${size}`);
    }
    ok(`${entries.entries.length} log entries are included in checkpoint ${size}`);
  }
}

const record = json('record.json');
const consentId = manifest?.consentId;
const bound = (entries?.entries ?? [])
  .map((e) => e.event)
  .filter((e) => e.type === 'record' && e.consent_id === consentId)
  .pop();
if (!bound) fail(`no record entry of consent ${consentId} is proven`);
else {
  const logged = JSON.parse(bound.data);
  const purposes = Object.fromEntries(
    (record?.services?.[0]?.purposes ?? []).map((p) => [p.purpose, p.granted]),
  );
  if (
    record?.consentReceiptID !== consentId ||
    record?.decision !== logged.consent.decision ||
    record?.status !== logged.consent.status ||
    !samePurposes(purposes, JSON.parse(logged.consent.purposes)) ||
    record?.notice?.version !== logged.noticeSha256
  )
    fail('record.json differs from the consent’s latest record entry in the log');
  else ok(`record.json matches the log: ${logged.consent.decision}, status ${logged.consent.status}`);
  const notice = files.get('notice.txt');
  const noticeId = notice
    ? hex(
        Buffer.from(
          `${record?.notice?.kind ?? 'text'}\n${record?.notice?.locale}\n${notice.toString('utf8')}`,
        ),
      )
    : null;
  if (noticeId !== logged.noticeSha256) fail('notice.txt is not the notice the log names');
  else ok('notice.txt is the notice text the caller heard (its hash is the notice id in the log)');
  const clipName = [...files.keys()].find((n) => n.startsWith('clip.'));
  if (clipName) {
    if (hex(files.get(clipName)) !== logged.clip?.plain_sha256)
      fail(`${clipName} is not the clip the log names`);
    else ok(`${clipName} is the clip the log names (SHA-256 ${logged.clip.plain_sha256.slice(0, 16)}…)`);
  }
}

console.log(
  problems.length === 0 ? 'evidence verified' : `evidence NOT verified: ${problems.length} problem(s)`,
);
process.exit(problems.length === 0 ? 0 : 1);
