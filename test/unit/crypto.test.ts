import crypto from 'node:crypto';
import { signConsentToken, verifyConsentToken, type ConsentClaims } from '../../src/crypto/consent-token';
import { KeyRing, openField, sealField } from '../../src/crypto/keyring';
import { randomBytes } from '../../src/crypto/random';

const claims = (exp: number): ConsentClaims => ({
  iss: 'https://ivr',
  sub: 'CNS-1',
  call: 'CA1',
  purposes: { call: true },
  status: 'granted',
  locale: 'de',
  iat: 0,
  exp,
});

describe('consent tokens', () => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');

  test('a token verifies with the public key and carries the claims', () => {
    const token = signConsentToken(privateKey, claims(2000));
    expect(verifyConsentToken(publicKey, token, 1000)).toMatchObject({
      sub: 'CNS-1',
      purposes: { call: true },
    });
  });

  test('a token whose claims were edited, signed by another key, or expired is refused', () => {
    const token = signConsentToken(privateKey, claims(2000));
    const [h, , s] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims(2000), purposes: { call: true, ai_training: true } })).toString('base64url')}.${s}`;
    expect(() => verifyConsentToken(publicKey, forged, 1000)).toThrow(/signature/);
    const other = crypto.generateKeyPairSync('ed25519').publicKey;
    expect(() => verifyConsentToken(other, token, 1000)).toThrow(/signature/);
    expect(() => verifyConsentToken(publicKey, token, 3000)).toThrow(/expired/);
  });

  test('a token is a standard EdDSA JWS that node verifies directly', () => {
    const token = signConsentToken(privateKey, claims(2000));
    const [h, p, s] = token.split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({ alg: 'EdDSA', typ: 'JWT' });
    expect(crypto.verify(null, Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url'))).toBe(true);
  });
});

describe('key ring', () => {
  test('a data key wrapped by one key unwraps with a ring that still holds it, and not without it', () => {
    const k1 = { id: 'k1', key: crypto.randomBytes(32) };
    const k2 = { id: 'k2', key: crypto.randomBytes(32) };
    const dataKey = crypto.randomBytes(32);
    const wrapped = new KeyRing([k1]).wrap(dataKey);
    expect(new KeyRing([k2, k1]).unwrap(wrapped)).toEqual(dataKey);
    expect(() => new KeyRing([k2]).unwrap(wrapped)).toThrow(/k1/);
  });

  test('a wrapped key relabelled with another key id fails authentication', () => {
    const k1 = { id: 'k1', key: crypto.randomBytes(32) };
    const wrapped = new KeyRing([k1]).wrap(crypto.randomBytes(32));
    const relabelled = wrapped.replace(':k1:', ':k9:');
    expect(() => new KeyRing([{ id: 'k9', key: k1.key }]).unwrap(relabelled)).toThrow();
  });

  test('a sealed field opens with its key and fails on any change', () => {
    const key = crypto.randomBytes(32);
    const sealed = sealField(key, '+4915112345678');
    expect(openField(key, sealed)).toBe('+4915112345678');
    const [iv, tag, ct] = sealed.split('.') as [string, string, string];
    const flipped = Buffer.from(ct, 'base64');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => openField(key, `${iv}.${tag}.${flipped.toString('base64')}`)).toThrow();
  });
});

describe('pooled randomness for keys and IVs', () => {
  test('never hands out the same bytes twice, across many pool refills (a repeated GCM IV would break the cipher)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i += 1) {
      const iv = randomBytes(12);
      expect(iv).toHaveLength(12);
      seen.add(iv.toString('hex'));
    }
    expect(seen.size).toBe(20_000);
  });

  test('sealed fields of the same value under the same key differ, and each opens to the value', () => {
    const key = randomBytes(32);
    const a = sealField(key, '+4915112345678');
    const b = sealField(key, '+4915112345678');
    expect(a).not.toBe(b);
    expect(openField(key, a)).toBe('+4915112345678');
    expect(openField(key, b)).toBe('+4915112345678');
  });
});
