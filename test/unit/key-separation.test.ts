import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signConsentToken, verifyConsentToken } from '../../src/crypto/consent-token';
import { KeyRing, openField } from '../../src/crypto/keyring';
import {
  formatPublicKeys,
  SIGNING_KEY_RECHECK_MS,
  SIGNING_USES,
  SigningKeys,
} from '../../src/crypto/signing-keys';
import { objectKeyFor } from '../../src/jobs/handlers';
import { Ledger, normalizeNumber } from '../../src/ledger';
import { openTestLedger } from '../support/test-database';

let dir: string;
let ledger: Ledger;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keysep-'));
  ledger = openTestLedger(path.join(dir, 'l.db'), new KeyRing([{ id: 'k1', key: crypto.randomBytes(32) }]));
});
afterEach(() => {
  ledger.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The caller-lookup HMAC key as stored, read the way anyone holding the database and ring could. */
function lookupKey(): Buffer {
  ledger.callerHash('+4915100000001');
  const row = ledger.db
    .prepare("SELECT wrapped_key, sealed FROM secrets WHERE name = 'lookup_hmac'")
    .get() as {
    wrapped_key: string;
    sealed: string;
  };
  return Buffer.from(openField(ledger.keyRing.unwrap(row.wrapped_key), row.sealed), 'base64');
}

describe('key separation', () => {
  test('a clip object key is not derived from the caller-lookup key', () => {
    const consentId = 'CNS-20260101-0A1B2C3D4E5F';
    const key = objectKeyFor(ledger, consentId);
    // What the old code did: HMAC keyed by the caller hash of the (normalised) consent ID.
    const lookupDerived = crypto
      .createHmac(
        'sha256',
        crypto
          .createHmac('sha256', lookupKey())
          .update(normalizeNumber(`clip-key:${consentId}`))
          .digest(),
      )
      .update(consentId)
      .digest('hex');
    expect(key).not.toContain(lookupDerived);
    expect(key).toMatch(/^clips\/[0-9a-f]{2}\/[0-9a-f]{64}\.cge$/);
    // Stable: a retried upload lands on the same object.
    expect(objectKeyFor(ledger, consentId)).toBe(key);
  });

  test('derived keys differ per use and from the lookup key, and survive a reopen', () => {
    const state = ledger.derivedKey('call-state');
    const clip = ledger.derivedKey('clip-object-key');
    expect(state.equals(clip)).toBe(false);
    expect(state.equals(lookupKey())).toBe(false);
    const file = ledger.location;
    const ring = ledger.keyRing;
    ledger.close();
    ledger = openTestLedger(file, new KeyRing(ring.entries));
    expect(ledger.derivedKey('call-state').equals(state)).toBe(true);
  });

  test('each use has its own Ed25519 key; one use cannot verify what another signed', () => {
    const pems = SIGNING_USES.map((u) => ledger.signingKeys.signingKey(u).publicKeyPem);
    expect(new Set(pems).size).toBe(SIGNING_USES.length);
    const token = signConsentToken(ledger.signingKey('consent-token'), {
      iss: 'x',
      sub: 'none',
      call: 'CA1',
      purposes: {},
      status: 'none',
      locale: 'de',
      iat: 1,
      exp: 4_000_000_000,
    });
    expect(verifyConsentToken(ledger.signingKeys.signingKey('consent-token').publicKey, token, 2).sub).toBe(
      'none',
    );
    expect(() => verifyConsentToken(ledger.signingKeys.signingKey('export').publicKey, token, 2)).toThrow(
      /does not verify/,
    );
  });

  test('a rotated signing key stays published, named by its use, and still verifies what it signed', () => {
    const old = ledger.signingKeys.signingKey('checkpoint');
    const signed = crypto.sign(null, Buffer.from('tree 1'), old.privateKey);
    const fresh = ledger.signingKeys.rotate('checkpoint');
    expect(fresh.keyId).toBe('checkpoint-2');
    expect(ledger.signingKeys.signingKey('checkpoint').publicKeyPem).toBe(fresh.publicKeyPem);

    const text = formatPublicKeys(ledger.signingKeys.publicKeys());
    const blocks = [
      ...text.matchAll(/^# (\S+) .*\n(-----BEGIN PUBLIC KEY-----\n[\s\S]+?-----END PUBLIC KEY-----)/gm),
    ];
    expect(blocks.map((b) => b[1])).toEqual([
      'consent-token',
      'export',
      'certificate',
      'checkpoint',
      'checkpoint',
    ]);
    const checkpointKeys = blocks
      .filter((b) => b[1] === 'checkpoint')
      .map((b) => crypto.createPublicKey(b[2] as string));
    expect(checkpointKeys.some((k) => crypto.verify(null, Buffer.from('tree 1'), k, signed))).toBe(true);
    expect(text).toMatch(/# checkpoint \(key checkpoint-1, retired/);
  });

  test('a key rotated on one instance signs on another sharing the ledger within the recheck interval, without a restart', () => {
    const keyRing = new KeyRing([{ id: 'k1', key: crypto.randomBytes(32) }]);
    const a = openTestLedger(path.join(dir, 'shared.db'), keyRing);
    const b = openTestLedger(path.join(dir, 'shared.db'), keyRing);
    try {
      let now = 1_000_000;
      const onB = new SigningKeys(b.secrets, () => now);
      const first = onB.signingKey('consent-token');
      expect(a.signingKeys.signingKey('consent-token').publicKeyPem).toBe(first.publicKeyPem);

      const fresh = a.signingKeys.rotate('consent-token');
      expect(fresh.keyId).toBe('consent-token-2');
      // Until B looks again it keeps the old key, which stays published and verifies.
      now += SIGNING_KEY_RECHECK_MS - 1;
      expect(onB.signingKey('consent-token').keyId).toBe('consent-token-1');
      now += 1;
      expect(onB.signingKey('consent-token').publicKeyPem).toBe(fresh.publicKeyPem);
      // Other uses are untouched by it.
      expect(onB.signingKey('checkpoint').keyId).toBe('checkpoint-1');
    } finally {
      a.close();
      b.close();
    }
  });
});
