import crypto from 'node:crypto';
import { z } from 'zod';
import { verifyInclusion } from '../crypto/merkle';
import { openCheckpoint, type CheckpointBody } from '../crypto/signed-note';
import { eventHash } from '../ledger/chain';
import { eventLeafHash } from '../ledger/merkle-log';
import { keysFor, type LoadedKey } from './trusted-keys';

/**
 * The checks of an evidence export (what `buildEvidenceZip` makes), each with a sentence an auditor
 * reads. The same checks as `scripts/verify-evidence.mjs` (which outsiders run without this code;
 * a test holds the two to the same verdicts), built on the log's own Merkle and signed-note code.
 * Nothing in the upload is trusted: every JSON file is parsed against a schema, and the keys come
 * from the caller (the operator's published keys), never from the ZIP.
 */
export type CheckId =
  | 'files'
  | 'manifest'
  | 'signature'
  | 'checkpoint'
  | 'inclusion'
  | 'chain'
  | 'record'
  | 'notice'
  | 'clip'
  | 'history';

export interface Check {
  id: CheckId;
  /** `skip`: the check does not apply (no clip in the export, say); it never makes a report valid alone. */
  status: 'pass' | 'fail' | 'skip';
  detail: string;
  /** The key that vouched, for comparing its fingerprint with the operator's. */
  key?: { keyId: string; fingerprint: string };
}

export interface EvidenceReport {
  kind: 'evidence';
  valid: boolean;
  consentId: string | null;
  files: string[];
  checks: Check[];
}

/** What the server's own log says now about a checkpoint's size (absent offline). */
export interface LogView {
  /** The log's name in each epoch it signed under (a new epoch follows an acknowledged incident). */
  origins: string[];
  size: number;
  rootAt(size: number): Buffer;
}

const hex = z.string().regex(/^[0-9a-f]{64}$/);
const manifestSchema = z.object({ consentId: z.string().max(200), files: z.record(z.string(), hex) });
const signatureSchema = z.object({ manifestSha256: z.string(), signature: z.string().max(200) });
const eventSchema = z.object({
  seq: z.number().int().positive(),
  call_sid: z.string().nullable(),
  consent_id: z.string().nullable(),
  type: z.string(),
  at: z.string(),
  data: z.string(),
});
const entriesSchema = z.object({
  checkpointSize: z.number().int().nullable(),
  entries: z.array(
    z.object({
      event: eventSchema,
      leafIndex: z.number().int(),
      inclusionProof: z.array(z.string().max(64)).max(64),
    }),
  ),
});
const chainSchema = z.object({
  events: z.array(eventSchema.extend({ prev_hash: z.string(), hash: z.string() })),
});
const recordSchema = z.object({
  consentReceiptID: z.string(),
  decision: z.string(),
  status: z.string(),
  services: z.array(z.object({ purposes: z.array(z.object({ purpose: z.string(), granted: z.boolean() })) })),
  notice: z.object({ version: z.string(), locale: z.string().nullable(), kind: z.string().nullable() }),
});
const loggedSchema = z.object({
  consent: z.object({ decision: z.unknown(), status: z.unknown(), purposes: z.string() }),
  clip: z.object({ plain_sha256: z.string().nullable() }).nullable(),
  noticeSha256: z.string(),
});

const sha256 = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');

function parse<T>(schema: z.ZodType<T>, buf: Buffer | undefined): T | null {
  if (!buf) return null;
  try {
    const r = schema.safeParse(JSON.parse(buf.toString('utf8')));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

const pass = (id: CheckId, detail: string, key?: LoadedKey): Check => ({
  id,
  status: 'pass',
  detail,
  ...(key ? { key: { keyId: key.keyId, fingerprint: key.fingerprint } } : {}),
});
const fail = (id: CheckId, detail: string): Check => ({ id, status: 'fail', detail });
const skip = (id: CheckId, detail: string): Check => ({ id, status: 'skip', detail });

function checkManifest(files: Map<string, Buffer>, manifest: z.infer<typeof manifestSchema>): Check {
  const problems: string[] = [];
  for (const [name, digest] of Object.entries(manifest.files)) {
    const content = files.get(name);
    if (!content) problems.push(`${name} is listed but missing`);
    else if (sha256(content) !== digest) problems.push(`${name} does not match its hash (it was changed)`);
  }
  for (const name of files.keys())
    if (!Object.hasOwn(manifest.files, name) && name !== 'manifest.json' && name !== 'signature.json')
      problems.push(`${name} is not in the manifest (it was added)`);
  return problems.length
    ? fail('manifest', problems.join('; '))
    : pass(
        'manifest',
        `All ${Object.keys(manifest.files).length} files match the SHA-256 hashes in manifest.json.`,
      );
}

function checkSignature(
  manifestBuf: Buffer,
  sig: z.infer<typeof signatureSchema> | null,
  keys: LoadedKey[],
): Check {
  if (!sig) return fail('signature', 'signature.json is missing or not a signature file.');
  const digest = sha256(manifestBuf);
  if (sig.manifestSha256 !== digest) return fail('signature', 'signature.json signs another manifest.json.');
  const signature = Buffer.from(sig.signature, 'base64');
  const key = keysFor(keys, 'export').find((k) => crypto.verify(null, Buffer.from(digest), k.key, signature));
  return key
    ? pass('signature', `manifest.json is signed by the operator's export key ${key.keyId}.`, key)
    : fail(
        'signature',
        "The signature over manifest.json does not verify with any of the operator's export keys.",
      );
}

function openWithKeys(note: string, keys: LoadedKey[]): { body: CheckpointBody; key: LoadedKey } | null {
  for (const key of keysFor(keys, 'checkpoint')) {
    const body = openCheckpoint(note, key.key);
    if (body) return { body, key };
  }
  return null;
}

/** Every check of one export's files against trusted keys (and, on the server, the log itself). */
export function checkEvidence(files: Map<string, Buffer>, keys: LoadedKey[], log?: LogView): EvidenceReport {
  const checks: Check[] = [];
  const names = [...files.keys()];
  const manifestBuf = files.get('manifest.json');
  const manifest = parse(manifestSchema, manifestBuf);
  if (!manifestBuf || !manifest) {
    checks.push(
      fail(
        'files',
        'manifest.json is missing or is not an evidence manifest: this is not an evidence export.',
      ),
    );
    return { kind: 'evidence', valid: false, consentId: null, files: names, checks };
  }
  checks.push(pass('files', `The ZIP holds ${names.length} files: ${names.join(', ')}.`));
  checks.push(checkManifest(files, manifest));
  checks.push(checkSignature(manifestBuf, parse(signatureSchema, files.get('signature.json')), keys));

  const note = files.get('checkpoint.txt')?.toString('utf8');
  const opened = note ? openWithKeys(note, keys) : null;
  const entries = parse(entriesSchema, files.get('log-entries.json'));
  if (!opened) {
    checks.push(
      fail('checkpoint', "checkpoint.txt is missing or not signed by any of the operator's checkpoint keys."),
    );
    checks.push(fail('inclusion', 'Without a signed checkpoint, the log entries cannot be proven.'));
  } else {
    const { body, key } = opened;
    checks.push(
      pass(
        'checkpoint',
        `checkpoint.txt is a signed checkpoint of the log ${body.origin} with ${body.size} entries.`,
        key,
      ),
    );
    checks.push(checkInclusion(entries, body));
    checks.push(checkHistory(body, log));
  }
  checks.push(checkChain(files));
  checks.push(...checkRecord(files, manifest.consentId, entries));
  const valid = checks.every((c) => c.status !== 'fail');
  return { kind: 'evidence', valid, consentId: manifest.consentId, files: names, checks };
}

function checkInclusion(entries: z.infer<typeof entriesSchema> | null, body: CheckpointBody): Check {
  if (!entries || entries.checkpointSize !== body.size)
    return fail('inclusion', 'log-entries.json is missing or not proven against this checkpoint.');
  const bad = entries.entries.filter(
    ({ event, leafIndex, inclusionProof }) =>
      leafIndex !== event.seq - 1 ||
      !verifyInclusion(
        leafIndex,
        body.size,
        eventLeafHash(event),
        inclusionProof.map((p) => Buffer.from(p, 'base64')),
        body.root,
      ),
  );
  if (entries.entries.length === 0) return fail('inclusion', 'log-entries.json proves no entry.');
  return bad.length
    ? fail(
        'inclusion',
        `${bad.map((b) => `Entry ${b.event.seq} (${b.event.type})`).join(', ')} is not in the checkpoint.`,
      )
    : pass(
        'inclusion',
        `All ${entries.entries.length} log entries of this consent are in the checkpoint (Merkle inclusion proofs, RFC 9162).`,
      );
}

/** On the server: is the checkpoint part of the log as it stands now (not a private fork, not cut)? */
function checkHistory(body: CheckpointBody, log?: LogView): Check {
  if (!log) return skip('history', 'Compare checkpoint.txt with the operator’s published checkpoint.');
  if (!log.origins.includes(body.origin))
    return fail(
      'history',
      `The checkpoint is of the log ${body.origin}, not of this server's log ${log.origins.join(', ')}.`,
    );
  if (body.size > log.size)
    return fail(
      'history',
      `The checkpoint covers ${body.size} entries, but this server's log holds only ${log.size}.`,
    );
  return log.rootAt(body.size).equals(body.root)
    ? pass(
        'history',
        `This server's log today still holds the same ${body.size} entries (it has ${log.size} now).`,
      )
    : fail(
        'history',
        `This server's log holds a different history of ${body.size} entries than the checkpoint.`,
      );
}

function checkChain(files: Map<string, Buffer>): Check {
  const chain = parse(chainSchema, files.get('chain-proof.json'));
  if (!chain) return fail('chain', 'chain-proof.json is missing or unreadable.');
  const bad = chain.events.filter((e) => eventHash(e.prev_hash, e) !== e.hash);
  return bad.length
    ? fail('chain', `Event ${bad.map((e) => e.seq).join(', ')} does not match its hash.`)
    : pass('chain', `The call's ${chain.events.length} events each match their hash in the chain.`);
}

function checkRecord(
  files: Map<string, Buffer>,
  consentId: string,
  entries: z.infer<typeof entriesSchema> | null,
): Check[] {
  const bound = (entries?.entries ?? [])
    .map((e) => e.event)
    .filter((e) => e.type === 'record' && e.consent_id === consentId)
    .pop();
  const logged = bound ? parse(loggedSchema, Buffer.from(bound.data)) : null;
  const record = parse(recordSchema, files.get('record.json'));
  if (!logged)
    return [fail('record', `No record entry of consent ${consentId} is proven in log-entries.json.`)];
  const loggedPurposes = ((): unknown => {
    try {
      return JSON.parse(logged.consent.purposes);
    } catch {
      return null;
    }
  })();
  const purposes = Object.fromEntries(
    (record?.services[0]?.purposes ?? []).map((p) => [p.purpose, p.granted]),
  );
  const samePurposes =
    loggedPurposes !== null &&
    typeof loggedPurposes === 'object' &&
    JSON.stringify(Object.entries(purposes).sort()) === JSON.stringify(Object.entries(loggedPurposes).sort());
  const out: Check[] = [];
  out.push(
    record &&
      record.consentReceiptID === consentId &&
      record.decision === logged.consent.decision &&
      record.status === logged.consent.status &&
      samePurposes &&
      record.notice.version === logged.noticeSha256
      ? pass('record', `record.json says what the log says: ${record.decision}, status ${record.status}.`)
      : fail('record', 'record.json differs from the consent’s latest record entry in the log.'),
  );
  // As the log computes notice ids (kind, locale, text), from what record.json says the caller heard.
  const notice = files.get('notice.txt');
  const noticeOk =
    notice !== undefined &&
    record !== null &&
    sha256(
      Buffer.from(`${record.notice.kind ?? 'text'}\n${record.notice.locale}\n${notice.toString('utf8')}`),
    ) === logged.noticeSha256;
  out.push(
    noticeOk
      ? pass('notice', 'notice.txt is the notice the caller heard: its hash is the notice id in the log.')
      : fail('notice', 'notice.txt is not the notice the log names.'),
  );
  const clipName = [...files.keys()].find((n) => n.startsWith('clip.'));
  const clip = clipName ? files.get(clipName) : undefined;
  if (!clipName || !clip) out.push(skip('clip', 'The export holds no recording.'));
  else
    out.push(
      sha256(clip) === logged.clip?.plain_sha256
        ? pass(
            'clip',
            `${clipName} is the recording the log names (SHA-256 ${logged.clip.plain_sha256.slice(0, 16)}…).`,
          )
        : fail('clip', `${clipName} is not the recording the log names.`),
    );
  return out;
}
