import { z } from 'zod';
import { verifyCertificate } from '../lifecycle/certificate';
import type { Check } from './evidence-check';
import { keysFor, type LoadedKey } from './trusted-keys';

export type CertificateCheckId = 'format' | 'key' | 'certificate-signature' | 'complete';

export interface CertificateCheck extends Omit<Check, 'id'> {
  id: CertificateCheckId;
}

export interface CertificateReport {
  kind: 'certificate';
  valid: boolean;
  consentId: string | null;
  checks: CertificateCheck[];
  /** What the certificate says was deleted, for the page to list once it verified. */
  items: Array<{ system: string; object: string; action: string; result: string; at: string | null }>;
}

const certificateSchema = z
  .object({
    consentId: z.string().max(200),
    reason: z.string(),
    status: z.enum(['pending', 'complete']),
    requestedAt: z.string(),
    completedAt: z.string().nullable(),
    keyId: z.string().max(100),
    signature: z.string().max(200),
    items: z.array(
      z.object({
        system: z.string(),
        object: z.string(),
        action: z.string(),
        result: z.string(),
        at: z.string().nullable(),
      }),
    ),
  })
  .passthrough();

/**
 * A deletion certificate (`consent certificate <id> --json`, or the JSON from /privacy): its
 * signature with the key it names, by the same function the certificate tests and the README's
 * openssl steps check it with (Ed25519 over the JSON without `signature`, keys sorted, no spaces).
 */
export function checkCertificate(json: unknown, keys: LoadedKey[]): CertificateReport {
  const parsed = certificateSchema.safeParse(json);
  if (!parsed.success)
    return {
      kind: 'certificate',
      valid: false,
      consentId: null,
      items: [],
      checks: [
        {
          id: 'format',
          status: 'fail',
          detail:
            'This JSON is not a deletion certificate (consentId, status, items, keyId and signature are needed).',
        },
      ],
    };
  const cert = parsed.data;
  const checks: CertificateCheck[] = [
    {
      id: 'format',
      status: 'pass',
      detail: `A deletion certificate of consent ${cert.consentId} (${cert.reason}).`,
    },
  ];
  const key = keysFor(keys, 'certificate').find((k) => k.keyId === cert.keyId);
  if (!key)
    checks.push({
      id: 'key',
      status: 'fail',
      detail: `The certificate names the key ${cert.keyId}, which is not one of the operator's certificate keys.`,
    });
  else {
    checks.push({
      id: 'key',
      status: 'pass',
      detail: `The certificate names the operator's certificate key ${key.keyId}.`,
      key: { keyId: key.keyId, fingerprint: key.fingerprint },
    });
    const ok = verifyCertificate(json as Record<string, unknown>, key.publicKeyPem);
    checks.push(
      ok
        ? {
            id: 'certificate-signature',
            status: 'pass',
            detail: 'The signature verifies: nothing in the certificate was changed since it was signed.',
            key: { keyId: key.keyId, fingerprint: key.fingerprint },
          }
        : {
            id: 'certificate-signature',
            status: 'fail',
            detail:
              'The signature does not verify: the certificate was changed after it was signed, or is forged.',
          },
    );
  }
  // Pending is not a failure of the certificate, but it is not yet proof that everything is gone.
  checks.push(
    cert.status === 'complete'
      ? {
          id: 'complete',
          status: 'pass',
          detail: `Every one of its ${cert.items.length} deletions was done and checked (completed ${cert.completedAt ?? '?'}).`,
        }
      : {
          id: 'complete',
          status: 'skip',
          detail: `Pending: ${cert.items.filter((i) => i.result === 'pending').length} of ${cert.items.length} deletions are not done yet.`,
        },
  );
  return {
    kind: 'certificate',
    valid: checks.every((c) => c.status !== 'fail'),
    consentId: cert.consentId,
    checks,
    items: cert.items,
  };
}
