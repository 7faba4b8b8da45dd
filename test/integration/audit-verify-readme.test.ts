import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yazl from 'yazl';
import { fingerprint } from '../../src/audit/trusted-keys';
import { readZipFiles } from '../../src/audit/zip-read';
import { testDatabaseEnv } from '../support/test-database';
import { addUser, Client, KEYS, seedConsent, startPortal, type Portal } from './audit-support';

const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin/consent.js');

/** The README's openssl steps for an evidence export, as written there. */
function readmeSteps(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const after = readme.slice(readme.indexOf('<!-- export-verification -->'));
  const m = /```sh\n([\s\S]*?)```/.exec(after);
  if (!m?.[1]) throw new Error('README has no export verification block');
  // The block is indented in a list; the commands are the same without the indent.
  return m[1].replace(/^ {3}/gm, '');
}

let portal: Portal;
let work: string;
let zip: Buffer;
beforeAll(async () => {
  portal = await startPortal();
  const seeded = await seedConsent(portal.rt, { withClip: true });
  const auditor = await addUser(portal, 'auditor');
  const client = new Client(portal.url);
  await client.login(auditor);
  await client.statReason();
  zip = Buffer.from(await (await client.get(`/audit/consents/${seeded.consentId}/export`)).arrayBuffer());
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'export-readme-'));
}, 30_000);
afterAll(async () => {
  await portal.close();
  fs.rmSync(work, { recursive: true, force: true });
});

const run = (script: string): { status: number | null; out: string } => {
  // `npx consent` is the package's own bin; here it runs from the project with this test's ledger.
  const r = spawnSync('bash', ['-euo', 'pipefail', '-c', script.replace(/npx consent/g, `node ${BIN}`)], {
    cwd: work,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      ...testDatabaseEnv(path.join(portal.dir, 'consent.db')),
      CONSENT_KEYS: KEYS,
      LOG_LEVEL: 'silent',
    },
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
};

test('The README’s openssl steps make the key file they use, print its fingerprint as the verify page shows it, and verify an export as written', async () => {
  fs.writeFileSync(path.join(work, 'evidence.zip'), zip);
  const r = run(readmeSteps());
  expect(r.out).toMatch(/Signature Verified Successfully/);
  expect(r.status).toBe(0);
  for (const name of [
    'record.json',
    'notice.txt',
    'chain-proof.json',
    'log-entries.json',
    'checkpoint.txt',
    'clip.mp3',
  ])
    expect(r.out).toContain(`${name}: OK`);
  expect(r.out).toContain('manifest.json: OK');
  const key = portal.rt.ledger.signingKeys.publicKeys().find((k) => k.use === 'export' && k.active);
  const page = fingerprint(crypto.createPublicKey(key?.publicKeyPem ?? ''))
    .replace(/ /g, '')
    .toLowerCase();
  expect(r.out).toContain(page);
  expect(fs.readFileSync(path.join(work, 'export-key.pem'), 'utf8')).toBe(key?.publicKeyPem);

  // The same steps stop at a changed recording, in a ZIP rebuilt around it (so unzip finds no fault).
  const files = await readZipFiles(zip);
  const clip = Buffer.from(files.get('clip.mp3') ?? Buffer.alloc(0));
  clip[1500] = (clip[1500] ?? 0) ^ 0x01;
  const z = new yazl.ZipFile();
  for (const [name, buf] of files) z.addBuffer(name === 'clip.mp3' ? clip : buf, name);
  z.end();
  const chunks: Buffer[] = [];
  for await (const chunk of z.outputStream) chunks.push(chunk as Buffer);
  fs.writeFileSync(path.join(work, 'evidence.zip'), Buffer.concat(chunks));
  const bad = run(readmeSteps());
  expect(bad.status).not.toBe(0);
  expect(bad.out).toMatch(/clip\.mp3: FAILED/);
  expect(bad.out).not.toMatch(/Signature Verified Successfully/);
});
