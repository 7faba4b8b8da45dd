import crypto from 'node:crypto';

/**
 * Consent tokens are compact JWS (EdDSA/Ed25519) so the assistant or an agent system can verify what
 * the caller agreed to with any JOSE library instead of trusting a flag in a URL.
 */
export interface ConsentClaims {
  iss: string;
  sub: string; // consent ID, or "none" when the caller gave no consent
  call: string;
  purposes: Record<string, boolean>;
  status: 'granted' | 'declined' | 'withdrawn' | 'none';
  locale: string;
  iat: number;
  exp: number;
}

const b64url = (buf: Buffer | string): string => Buffer.from(buf).toString('base64url');

export function signConsentToken(privateKey: crypto.KeyObject, claims: ConsentClaims): string {
  const header = b64url(JSON.stringify({ alg: 'EdDSA', typ: 'JWT' }));
  const payload = b64url(JSON.stringify(claims));
  const signature = crypto.sign(null, Buffer.from(`${header}.${payload}`), privateKey);
  return `${header}.${payload}.${b64url(signature)}`;
}

export function verifyConsentToken(
  publicKey: crypto.KeyObject,
  token: string,
  nowSeconds: number,
): ConsentClaims {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) throw new Error('token is not a compact JWS');
  const ok = crypto.verify(
    null,
    Buffer.from(`${header}.${payload}`),
    publicKey,
    Buffer.from(signature, 'base64url'),
  );
  if (!ok) throw new Error('token signature does not verify');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as ConsentClaims;
  if (claims.exp < nowSeconds) throw new Error('token has expired');
  return claims;
}
