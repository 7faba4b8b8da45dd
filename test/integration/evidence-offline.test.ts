import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { consentDetail } from '../../src/audit/consents';
import { buildEvidenceZip } from '../../src/audit/evidence';
import { verifyLedger } from '../../src/cli/verify';
import { formatPublicKeys } from '../../src/crypto/signing-keys';
import { readClip } from '../../src/jobs/handlers';
import { startGateway, type Gateway } from '../support/gateway';

const ROOT = path.join(__dirname, '..', '..');

/** The README's offline steps, exactly as written there. */
function readmeSteps(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const after = readme.slice(readme.indexOf('<!-- offline-verification -->'));
  const m = /```sh\n([\s\S]*?)```/.exec(after);
  if (!m?.[1]) throw new Error('README has no offline verification block');
  return m[1];
}

let gw: Gateway;
let work: string;
beforeAll(async () => {
  gw = await startGateway();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'evidence-offline-'));
  fs.symlinkSync(path.join(ROOT, 'scripts'), path.join(work, 'scripts'));
});
afterAll(async () => {
  await gw.close();
  fs.rmSync(work, { recursive: true, force: true });
});

async function consentWithClip(): Promise<string> {
  const call = gw.emulator.placeCall({
    from: `+49151${crypto.randomInt(1e6, 1e7)}`,
    to: '+4930123456',
    fromCountry: 'DE',
    recordingSeconds: 30,
  });
  await call.start();
  for (const d of ['1', '1', '2']) await call.press(d);
  await gw.emulator.settle();
  await gw.runJobs();
  await gw.runJobs();
  const report = gw.report(call.callSid);
  expect(report.clip.status).toBe('stored');
  return report.consentId ?? '';
}

const run = (script: string): { status: number | null; out: string } => {
  const r = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: work, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
};

describe('evidence an outsider can check', () => {
  let consentId: string;
  beforeAll(async () => {
    consentId = await consentWithClip();
  });

  test('the export holds the consent’s entries with inclusion proofs, and the README steps verify it offline', async () => {
    const clip = await readClip(gw.runtime.ledger, gw.runtime.store, consentId);
    const built = await buildEvidenceZip({
      ledger: gw.runtime.ledger,
      config: gw.config,
      consentId,
      clip,
      exportedBy: 'auditor@example.com',
      at: new Date(),
      checkpoints: gw.runtime.checkpoints,
    });
    fs.writeFileSync(path.join(work, 'evidence.zip'), built?.zip ?? Buffer.alloc(0));
    fs.writeFileSync(
      path.join(work, 'keys.txt'),
      formatPublicKeys(gw.runtime.ledger.signingKeys.publicKeys()),
    );
    const r = run(readmeSteps());
    expect(r.out).toMatch(/log entries are included in checkpoint \d+/);
    expect(r.out).toMatch(/record\.json matches the log: granted/);
    expect(r.out).toMatch(/clip\.mp3 is the clip the log names/);
    expect(r.out).toMatch(/evidence verified/);
    expect(r.out).toMatch(/Signature Verified Successfully/);
    expect(r.status).toBe(0);

    // Another key in keys.txt (a forger's) verifies nothing.
    const forged = crypto.generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' });
    fs.writeFileSync(
      path.join(work, 'other-keys.txt'),
      `# export (forger)\n${forged}# checkpoint (forger, active)\n${forged}`,
    );
    const wrongKeys = run('node scripts/verify-evidence.mjs evidence.zip other-keys.txt');
    expect(wrongKeys.status).toBe(1);
    expect(wrongKeys.out).toMatch(/FAIL {2}manifest\.json|signature\.json does not sign/);
    expect(wrongKeys.out).toMatch(/checkpoint\.txt is missing or not signed/);
  });

  test('two clip rows swapped in the database no longer decrypt, and consent verify names both rows', async () => {
    const other = await consentWithClip();
    const db = gw.runtime.ledger.db;
    const cols = [
      'object_key',
      'wrapped_key',
      'key_id',
      'plain_sha256',
      'cipher_sha256',
      'plain_bytes',
      'cipher_bytes',
    ];
    const a = db
      .prepare(`SELECT ${cols.join(', ')} FROM clips WHERE consent_id = ?`)
      .get(consentId) as Record<string, unknown>;
    const b = db.prepare(`SELECT ${cols.join(', ')} FROM clips WHERE consent_id = ?`).get(other) as Record<
      string,
      unknown
    >;
    const set = db.prepare(
      `UPDATE clips SET ${cols.map((c) => `${c} = @${c}`).join(', ')} WHERE consent_id = @id`,
    );
    set.run({ ...b, id: consentId });
    set.run({ ...a, id: other });
    try {
      await expect(readClip(gw.runtime.ledger, gw.runtime.store, consentId)).rejects.toThrow(
        /failed authentication/,
      );
      await expect(readClip(gw.runtime.ledger, gw.runtime.store, other)).rejects.toThrow(
        /failed authentication/,
      );
      const io = { out: '', err: '' };
      const code = await verifyLedger(gw.runtime, { out: (s) => (io.out += s), err: (s) => (io.err += s) });
      expect(code).toBe(1);
      expect(io.err).toContain(`clip row of consent ${consentId}: object_key`);
      expect(io.err).toContain(`clip row of consent ${other}: object_key`);
    } finally {
      set.run({ ...a, id: consentId });
      set.run({ ...b, id: other });
    }
    await expect(readClip(gw.runtime.ledger, gw.runtime.store, consentId)).resolves.toMatchObject({
      format: 'audio/mpeg',
    });
  });

  test('a consent row edited in the database is named by consent verify, and the consent page shows it', async () => {
    const io = { out: '', err: '' };
    const capture = { out: (s: string) => (io.out += s), err: (s: string) => (io.err += s) };
    expect(await verifyLedger(gw.runtime, capture)).toBe(0);
    gw.runtime.ledger.db
      .prepare('UPDATE consents SET purposes = ? WHERE id = ?')
      .run(JSON.stringify({ call: true, ai_training: true, personalization: true }), consentId);
    io.err = '';
    expect(consentDetail(gw.runtime.ledger, consentId)?.chain).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/purposes is/),
    });
    expect(await verifyLedger(gw.runtime, capture)).toBe(1);
    expect(io.err).toMatch(
      new RegExp(
        `consent row of consent ${consentId}: purposes is .*personalization\\\\":true.* but the log says .*personalization\\\\":false`,
      ),
    );
  });
});
