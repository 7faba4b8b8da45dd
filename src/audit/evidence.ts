import crypto from 'node:crypto';
import yazl from 'yazl';
import type { Config } from '../config';
import type { Ledger } from '../ledger';
import type { ChainedRow } from '../ledger/chain';
import { consentDetail, type ConsentDetail } from './consents';
import { proveConsent, type ConsentProof } from '../ledger/consent-proof';
import { summaryHtml } from './evidence-summary';
import type { NoticeTexts } from './notice-layers';

export const sha256hex = (b: Buffer | string): string => crypto.createHash('sha256').update(b).digest('hex');

export interface EvidenceInput {
  ledger: Ledger;
  config: Config;
  consentId: string;
  clip: { audio: Buffer; format: string } | null;
  exportedBy: string;
  at: Date;
  /** Signs a checkpoint covering the newest entries before the bundle is made. */
  checkpoints?: { tick(force: boolean): Promise<void> };
  /** Purpose names and the words of recorded prompts, for summary.html. */
  texts?: NoticeTexts;
}

/** ISO/IEC TS 27560 / Kantara consent-receipt fields, filled from the ledger. */
function consentRecord(d: ConsentDetail, config: Config, at: Date): Record<string, unknown> {
  const o = config.operator;
  const c = d.consent;
  return {
    schema: 'ISO/IEC TS 27560:2023 consent record (Kantara Consent Receipt v1.1 field names)',
    version: 'KI-1.1',
    jurisdiction: d.call?.country ?? 'EU',
    consentTimestamp: c.createdAt,
    collectionMethod: c.method === 'dtmf' ? 'telephone keypad (DTMF)' : 'telephone speech',
    consentReceiptID: c.id,
    language: c.language,
    piiPrincipalId: 'keyed hash of the caller number (not disclosed)',
    piiControllers: [{ piiController: o.controller, contact: o.dpoContact, onBehalf: false }],
    policyUrl: config.privacyUrl,
    services: [
      {
        service: `${o.company} AI telephone assistant`,
        purposes: Object.entries(c.purposes).map(([id, granted]) => {
          const p = o.purposes.find((x) => x.id === id);
          return {
            purpose: id,
            granted,
            consentType: 'EXPLICIT',
            purposeCategory: [id],
            lawfulBasis: p?.legalBasis ?? 'Art. 6(1)(a) GDPR (consent)',
            termination: p ? `${p.retentionDays} days` : null,
            thirdPartyDisclosure: true,
            thirdPartyName: o.recipients,
          };
        }),
      },
    ],
    notice: { version: c.noticeId, locale: d.notice?.locale ?? null, kind: d.notice?.kind ?? null },
    decision: c.decision,
    status: c.status,
    withdrawnAt: c.withdrawnAt,
    callSid: c.callSid,
    exportedAt: at.toISOString(),
  };
}

/** The consent's log entries with their inclusion proofs against checkpoint.txt (see README). */
function logEntries(proof: ConsentProof | null): Record<string, unknown> {
  return {
    description:
      'Each entry is a leaf of the RFC 9162 Merkle tree of the event log: leaf hash = SHA-256(0x00 || UTF-8 of ' +
      'JSON [seq, call_sid, consent_id, type, at, data]), leaf index = seq - 1; inclusionProof is the audit path ' +
      '(base64, leaf side first) to the root in checkpoint.txt. "record" entries hold the consent and clip rows.',
    checkpointSize: proof?.checkpoint?.size ?? null,
    verified: proof ? { ok: proof.ok, problems: proof.problems } : null,
    entries: proof?.entries ?? [],
    notYetCheckpointed: proof?.pending ?? [],
  };
}

/**
 * The evidence bundle for one consent. manifest.json lists every other file's SHA-256;
 * signature.json signs the manifest's SHA-256 with the ledger's Ed25519 key.
 */
export async function buildEvidenceZip(
  input: EvidenceInput,
): Promise<{ zip: Buffer; manifestSha256: string } | null> {
  // A checkpoint now, so that the entries of a call just made are covered by the export's proofs.
  await input.checkpoints?.tick(true);
  const d = consentDetail(input.ledger, input.consentId);
  if (!d) return null;
  const record = consentRecord(d, input.config, input.at);
  const chainRows = input.ledger.eventsForCall(d.consent.callSid) as ChainedRow[];
  const files = new Map<string, Buffer>();
  files.set('record.json', Buffer.from(`${JSON.stringify(record, null, 2)}\n`));
  files.set(
    'summary.html',
    Buffer.from(
      summaryHtml({
        d,
        exportedBy: input.exportedBy,
        exportedAt: input.at.toISOString(),
        jurisdiction: String(record.jurisdiction),
        controller: input.config.operator.controller,
        publicKeyPem: input.ledger.publicKeyPem(),
        texts: input.texts,
      }),
    ),
  );
  files.set('notice.txt', Buffer.from(d.notice?.content ?? ''));
  files.set(
    'chain-proof.json',
    Buffer.from(
      `${JSON.stringify(
        {
          description:
            'ledger events of the call; hash = sha256(prev_hash + "\\n" + JSON([seq, call_sid, consent_id, type, at, data]))',
          events: chainRows,
          ledgerVerification: d.chain,
        },
        null,
        2,
      )}\n`,
    ),
  );
  const proof = proveConsent(input.ledger, d.consent.id);
  if (proof?.checkpoint) files.set('checkpoint.txt', Buffer.from(proof.checkpoint.note));
  files.set('log-entries.json', Buffer.from(`${JSON.stringify(logEntries(proof), null, 2)}\n`));
  if (input.clip) files.set(`clip.${input.clip.format.includes('wav') ? 'wav' : 'mp3'}`, input.clip.audio);
  const manifest = {
    consentId: d.consent.id,
    createdAt: input.at.toISOString(),
    algorithm: 'sha256',
    files: Object.fromEntries([...files].map(([name, buf]) => [name, sha256hex(buf)])),
    clip: d.clip ? { plainSha256: d.clip.plain_sha256, cipherSha256: d.clip.cipher_sha256 } : null,
  };
  const manifestBuf = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  const manifestSha256 = sha256hex(manifestBuf);
  const signature = {
    algorithm: 'Ed25519',
    signed: 'the ASCII hex SHA-256 of manifest.json',
    manifestSha256,
    signature: crypto
      .sign(null, Buffer.from(manifestSha256), input.ledger.signingKey('export'))
      .toString('base64'),
    publicKeyPem: input.ledger.publicKeyPem(),
  };
  files.set('manifest.json', manifestBuf);
  files.set('signature.json', Buffer.from(`${JSON.stringify(signature, null, 2)}\n`));

  const zip = new yazl.ZipFile();
  for (const [name, buf] of files)
    zip.addBuffer(buf, name, { mtime: input.at, compress: !name.startsWith('clip.') });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return { zip: Buffer.concat(chunks), manifestSha256 };
}
