import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { verifyConsistency } from '../../src/crypto/merkle';
import { openCheckpoint } from '../../src/crypto/signed-note';
import { KeyRing } from '../../src/crypto/keyring';
import { Ledger } from '../../src/ledger';
import { Checkpoints } from '../../src/ledger/checkpoints';
import { createLogger } from '../../src/logger';
import { createS3CheckpointStore, type CheckpointStore } from '../../src/storage/checkpoint-store';
import { startEmbeddedS3, type EmbeddedS3 } from '../../src/storage/embedded-s3';
import { backupTestDatabase, openTestLedger } from '../support/test-database';

const ring = (): KeyRing => new KeyRing([{ id: 'k1', key: Buffer.alloc(32, 5) }]);
const log = createLogger('silent');
let dir: string;
let s3: EmbeddedS3;
let store: CheckpointStore;
const ledgers: Ledger[] = [];

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'checkpoints-'));
  s3 = await startEmbeddedS3({ directory: path.join(dir, 's3'), bucket: 'cp-test' });
  store = createS3CheckpointStore({
    bucket: s3.bucket,
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: s3.credentials,
  });
});
afterEach(async () => {
  for (const l of ledgers.splice(0)) l.close();
  await s3.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const open = (file = path.join(dir, 'ledger.db')): Ledger => {
  const ledger = openTestLedger(file, ring());
  ledgers.push(ledger);
  return ledger;
};
const checkpointsOf = (ledger: Ledger, clock?: () => Date): Checkpoints =>
  new Checkpoints({ ledger, store, origin: 'ivr.test/consent-ledger', log, clock });
const append = (ledger: Ledger, n: number): void => {
  for (let i = 0; i < n; i += 1) ledger.append([{ type: 'test', at: new Date(), data: { i } }]);
};
const publicKey = (ledger: Ledger): crypto.KeyObject =>
  crypto.createPublicKey(ledger.signingKeys.signingKey('checkpoint').publicKeyPem);

describe('signed checkpoints', () => {
  test('each checkpoint is signed once, copied to the bucket as the same text, and extends the one before', async () => {
    const ledger = open();
    const cps = checkpointsOf(ledger);
    await cps.start(60_000);
    append(ledger, 5);
    await cps.tick(true);
    append(ledger, 9);
    await cps.tick(true);
    await cps.stop();
    const keys = await store.list();
    expect(keys).toEqual([
      'checkpoints/0001/0000000000000000',
      'checkpoints/0001/0000000000000005',
      'checkpoints/0001/0000000000000014',
    ]);
    const five = openCheckpoint((await store.get(keys[1] as string)) ?? '', publicKey(ledger));
    const latest = openCheckpoint(cps.latestNote() ?? '', publicKey(ledger));
    expect(latest).toMatchObject({ origin: 'ivr.test/consent-ledger', size: 14 });
    expect(await store.get(keys[2] as string)).toBe(cps.latestNote());
    expect(
      verifyConsistency(
        5,
        14,
        ledger.merkle.consistency(5, 14),
        five?.root ?? Buffer.alloc(0),
        latest?.root ?? Buffer.alloc(0),
      ),
    ).toBe(true);
    // A bucket object is never replaced by other content.
    await expect(store.putOnce(keys[2] as string, 'forged\n')).rejects.toThrow(/never replaced/);
  });

  test('without a new event nothing is signed, and within the gap only when forced', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const ledger = open();
    const cps = checkpointsOf(ledger, () => new Date(now));
    await cps.tick(true);
    append(ledger, 1);
    expect(cps.signIfDue()).toBeNull();
    now += 46_000;
    expect(cps.signIfDue()?.size).toBe(1);
    expect(cps.signIfDue(true)).toBeNull();
    append(ledger, 1);
    expect(cps.signIfDue()).toBeNull();
    expect(cps.signIfDue(true)?.size).toBe(2);
  });

  test('two processes on one ledger never sign the same size twice', async () => {
    const a = open();
    const b = open();
    const ca = checkpointsOf(a);
    const cb = checkpointsOf(b);
    await Promise.all([ca.tick(true), cb.tick(true)]);
    for (let round = 0; round < 5; round += 1) {
      append(round % 2 ? a : b, 3);
      await Promise.all([ca.tick(true), cb.tick(true)]);
    }
    const sizes = a.db.prepare('SELECT size FROM checkpoints ORDER BY size').pluck().all();
    expect(sizes).toEqual([0, 3, 6, 9, 12, 15]);
    expect((await store.list()).length).toBe(6);
  });

  test('a restored copy of the ledger is caught at start, signs nothing, until an admin acknowledges it', async () => {
    const file = path.join(dir, 'ledger.db');
    const ledger = open(file);
    const cps = checkpointsOf(ledger);
    append(ledger, 4);
    await cps.tick(true);
    const backup = await backupTestDatabase(file, ledger);
    append(ledger, 6);
    await cps.tick(true);
    ledger.close();
    ledgers.splice(ledgers.indexOf(ledger), 1);
    const restored = open(backup.restore());
    const again = checkpointsOf(restored);
    await again.start(60_000);
    expect(again.status()).toBe('inconsistent with checkpoint 10');
    append(restored, 8);
    await again.tick(true);
    expect(restored.db.prepare('SELECT MAX(size) FROM checkpoints').pluck().get()).toBe(4);
    // Growing past the published size does not make it consistent: the history differs.
    expect(again.status()).toBe('inconsistent with checkpoint 10');

    const closed = again.acknowledge('admin@example.com', 'restored from backup after disk loss');
    expect(closed).toHaveLength(1);
    expect(again.status()).toBe('ok');
    await again.tick(true);
    await again.stop();
    const note = openCheckpoint(again.latestNote() ?? '', publicKey(restored));
    expect(note).toMatchObject({ origin: 'ivr.test/consent-ledger/epoch-2', size: 13 });
    expect(await store.list()).toContain('checkpoints/0002/0000000000000013');
  });
});
