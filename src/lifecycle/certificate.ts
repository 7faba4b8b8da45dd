import crypto from 'node:crypto';
import type { SigningKey } from '../crypto/signing-keys';
import type { Ledger } from '../ledger';
import { deletionItems, deletionOf, type DeletionReason } from './deletion';

export interface CertificateItem {
  system: string;
  object: string;
  action: string;
  /** `pending` until the item is done. */
  result: string;
  at: string | null;
}

/** The deletion certificate of the contract (`consent certificate <consentId> --json`). No personal data. */
export interface DeletionCertificate {
  consentId: string;
  reason: DeletionReason;
  status: 'pending' | 'complete';
  requestedAt: string;
  completedAt: string | null;
  reference: string;
  items: CertificateItem[];
  /** The signing key's id, as `consent keys public` names it (`certificate-1`, ...). */
  keyId: string;
  signature: string;
}

/** JSON with every object's keys sorted and no spaces: the bytes the signature covers. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/**
 * Builds and signs the certificate from the ledger's deletion records: pending while any item is
 * open, complete once every one is done. Null when the consent is unknown or nothing was requested.
 */
export function deletionCertificate(
  ledger: Ledger,
  consentId: string,
  key: SigningKey,
): DeletionCertificate | null {
  const deletion = deletionOf(ledger, consentId);
  if (!deletion) return null;
  const items: CertificateItem[] = deletionItems(ledger, consentId).map((i) => ({
    system: i.system,
    object: i.object,
    action: i.action,
    result: i.result ?? 'pending',
    at: i.done_at,
  }));
  if (items.length === 0) return null;
  const complete = Boolean(deletion.completed_at) && items.every((i) => i.result !== 'pending');
  const unsigned = {
    consentId,
    reason: deletion.reason,
    status: complete ? ('complete' as const) : ('pending' as const),
    requestedAt: deletion.requested_at,
    completedAt: complete ? deletion.completed_at : null,
    reference: deletion.reference,
    items,
    keyId: key.keyId,
  };
  const signature = crypto
    .sign(null, Buffer.from(canonicalJson(unsigned)), key.privateKey)
    .toString('base64');
  return { ...unsigned, signature };
}

/** What anyone can do offline with the public key: check the signature over the canonical JSON. */
export function verifyCertificate(certificate: Record<string, unknown>, publicKeyPem: string): boolean {
  const { signature, ...rest } = certificate;
  if (typeof signature !== 'string') return false;
  return crypto.verify(
    null,
    Buffer.from(canonicalJson(rest)),
    crypto.createPublicKey(publicKeyPem),
    Buffer.from(signature, 'base64'),
  );
}

/** Certificates have a signing key of their own (see crypto/signing-keys). */
export function certificateSigningKey(ledger: Ledger): SigningKey {
  return ledger.signingKeys.signingKey('certificate');
}
