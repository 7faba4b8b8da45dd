import crypto from 'node:crypto';

/**
 * Every symmetric key that is not a data key has one use, derived with HKDF-SHA256 from one root
 * secret kept in the ledger, each under its own info label: knowing (or misusing) one says nothing
 * about another. The caller-lookup HMAC key is older than this scheme and stays stored apart, so
 * caller hashes already in the ledger keep matching; it derives nothing else.
 */
export const DERIVED_KEY_USES = {
  /** AES-256-GCM sealing of the call state that rides in Twilio action URLs. */
  'call-state': 'consent-gateway/call-state/v1',
  /** HMAC naming a clip's S3 object (no personal data in the key, the same key on every retry). */
  'clip-object-key': 'consent-gateway/clip-object-key/v1',
  /** HMAC of the /privacy pages: one-time codes, their sessions, CSRF tokens, rate-limit buckets. */
  privacy: 'consent-gateway/privacy/v1',
} as const;

export type DerivedKeyUse = keyof typeof DERIVED_KEY_USES;

export function deriveKey(root: Buffer, use: DerivedKeyUse): Buffer {
  if (root.length < 32) throw new Error('the HKDF root secret must be at least 32 bytes');
  return Buffer.from(crypto.hkdfSync('sha256', root, Buffer.alloc(0), DERIVED_KEY_USES[use], 32));
}
