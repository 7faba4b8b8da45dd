import crypto from 'node:crypto';
import {
  formatCheckpoint,
  noteKeyId,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  signNote,
} from '../../src/crypto/signed-note';

// golang.org/x/mod/sumdb/note's published example: signer key
// PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz (0x01 ‖ seed).
const seed = Buffer.from('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'base64').subarray(1);
const privateKey = crypto.createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
  format: 'der',
  type: 'pkcs8',
});
const publicKey = crypto.createPublicKey(privateKey);
const TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${TEXT}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

describe('C2SP signed notes', () => {
  test('the key ID and the signed note are byte for byte those of the Go reference', () => {
    expect(noteKeyId('PeterNeumann', publicKey).toString('hex')).toBe('c74f20a3');
    // The verifier key's public half, as Go prints it: 0x01 ‖ 32 bytes.
    expect(
      Buffer.concat([
        Buffer.from([1]),
        Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url'),
      ]).toString('base64'),
    ).toBe('ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW');
    expect(signNote(TEXT, 'PeterNeumann', privateKey)).toBe(GO_NOTE);
    expect(openNote(GO_NOTE, publicKey)).toEqual({ text: TEXT, keyName: 'PeterNeumann' });
  });

  test('a changed text, a changed signature or another key does not open', () => {
    expect(openNote(GO_NOTE.replace('cryptography', 'cryptographY'), publicKey)).toBeNull();
    expect(openNote(GO_NOTE.replace('x08go', 'x08gp'), publicKey)).toBeNull();
    const other = crypto.generateKeyPairSync('ed25519').publicKey;
    expect(openNote(GO_NOTE, other)).toBeNull();
    expect(openNote(TEXT, publicKey)).toBeNull();
  });

  test('a checkpoint signs, parses back and verifies with the public key alone', () => {
    const root = crypto.createHash('sha256').update('x').digest();
    const body = formatCheckpoint({ origin: 'ivr.example.com/consent-ledger', size: 42, root });
    expect(body).toBe(`ivr.example.com/consent-ledger\n42\n${root.toString('base64')}\n`);
    const note = signNote(body, 'ivr.example.com/consent-ledger', privateKey);
    expect(openCheckpoint(note, publicKey)).toEqual({
      origin: 'ivr.example.com/consent-ledger',
      size: 42,
      root,
      keyName: 'ivr.example.com/consent-ledger',
    });
    expect(openCheckpoint(note.replace('\n42\n', '\n43\n'), publicKey)).toBeNull();
  });

  test('a body with a leading zero, a short root or no final newline is not a checkpoint', () => {
    const root = Buffer.alloc(32).toString('base64');
    expect(parseCheckpoint(`o\n042\n${root}\n`)).toBeNull();
    expect(parseCheckpoint(`o\n42\n${Buffer.alloc(31).toString('base64')}\n`)).toBeNull();
    expect(parseCheckpoint(`o\n42\n${root}`)).toBeNull();
    expect(parseCheckpoint(`o\n42\n${root}\n`)).toMatchObject({ origin: 'o', size: 42 });
  });
});
