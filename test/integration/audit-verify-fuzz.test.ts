import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import yazl from 'yazl';
import { readZipFiles } from '../../src/audit/zip-read';
import { formatPublicKeys } from '../../src/crypto/signing-keys';
import { addUser, Client, seedConsent, startPortal, type Portal } from './audit-support';

// Random bytes and mutated exports against the public page: never a 5xx, never "valid" for what
// is not the export as signed. FUZZ_SEED replays a run.
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
jest.setTimeout(120_000);

const ROOT = path.join(__dirname, '..', '..');
let portal: Portal;
let zip: Buffer;
let files: Map<string, Buffer>;
let work: string;

beforeAll(async () => {
  portal = await startPortal({ TRUST_PROXY_HOPS: '1' });
  const seeded = await seedConsent(portal.rt, { withClip: true });
  const auditor = await addUser(portal, 'auditor');
  const client = new Client(portal.url);
  await client.login(auditor);
  await client.statReason();
  zip = Buffer.from(await (await client.get(`/audit/consents/${seeded.consentId}/export`)).arrayBuffer());
  files = await readZipFiles(zip);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-fuzz-'));
  fs.writeFileSync(path.join(work, 'keys.txt'), formatPublicKeys(portal.rt.ledger.signingKeys.publicKeys()));
}, 30_000);
afterAll(async () => {
  await portal.close();
  fs.rmSync(work, { recursive: true, force: true });
});

let address = 0;
async function check(file: Buffer): Promise<{ status: number; valid: boolean; refused: boolean }> {
  const res = await fetch(`${portal.url}/audit/verify`, {
    method: 'POST',
    body: new Uint8Array(file),
    headers: {
      'content-type': 'application/octet-stream',
      accept: 'application/json',
      'x-forwarded-for': `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address++ & 255}`,
    },
  });
  const body = (await res.json()) as { valid?: boolean; error?: string };
  return { status: res.status, valid: body.valid === true, refused: typeof body.error === 'string' };
}

async function zipOf(entries: Array<[string, Buffer]>): Promise<Buffer> {
  const z = new yazl.ZipFile();
  const at = new Date('2026-12-01T10:00:00Z');
  for (const [name, buf] of entries)
    z.addBuffer(buf, name, { mtime: at, compress: !name.startsWith('clip.') });
  z.end();
  const chunks: Buffer[] = [];
  for await (const chunk of z.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const ledgerState = (): unknown => ({
  events: portal.rt.ledger.db.prepare('SELECT COUNT(*) FROM events').pluck().get(),
  access: portal.rt.ledger.db.prepare('SELECT COUNT(*) FROM access_log').pluck().get(),
});

/** Ways to change an export so that some file it holds is not the file that was signed. */
const mutation = (): fc.Arbitrary<() => Promise<Buffer>> => {
  const names = (): string[] => [...files.keys()];
  const entries = (): Array<[string, Buffer]> => [...files.entries()];
  const nameArb = fc.integer({ min: 0, max: 20 }).map((i) => names()[i % names().length] ?? 'manifest.json');
  return fc.oneof(
    // One to three bytes changed somewhere inside a file's content, re-zipped.
    fc
      .tuple(
        nameArb,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }),
      )
      .map(([name, flips]) => () => {
        const changed = Buffer.from(files.get(name) ?? Buffer.alloc(1));
        for (const [i, x] of flips) changed[i % changed.length] = (changed[i % changed.length] ?? 0) ^ x;
        return zipOf(entries().map(([n, b]) => [n, n === name ? changed : b]));
      }),
    // A file left out, or one more added, or one renamed.
    nameArb.map((name) => () => zipOf(entries().filter(([n]) => n !== name))),
    fc.tuple(fc.stringMatching(/^[a-z]{1,8}\.(txt|json|mp3)$/), fc.uint8Array({ maxLength: 64 })).map(
      ([name, bytes]) =>
        () =>
          zipOf([...entries().filter(([n]) => n !== name), [name, Buffer.from(bytes)]]),
    ),
    fc.tuple(nameArb, fc.stringMatching(/^[a-z]{1,8}\.json$/)).map(
      ([name, to]) =>
        () =>
          zipOf(entries().map(([n, b]) => [n === name && to !== name ? to : n, b])),
    ),
    // One file twice, the second different: two readers must never see two contents.
    nameArb.map((name) => () => zipOf([...entries(), [name, Buffer.from('forged')]])),
    // The ZIP's own bytes: flipped inside, cut short, or bytes inserted.
    fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([i, x]) => async () => {
      const b = Buffer.from(zip);
      const at = 30 + (i % (b.length - 60));
      b[at] = (b[at] ?? 0) ^ x;
      return b;
    }),
    fc.nat().map((i) => async () => zip.subarray(0, i % zip.length)),
    fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([i, bytes]) => async () => {
      const at = i % zip.length;
      return Buffer.concat([zip.subarray(0, at), Buffer.from(bytes), zip.subarray(at)]);
    }),
  );
};

/**
 * Whether a candidate still holds the export as signed. Every file but signature.json is covered
 * by the manifest's hashes, so it must be byte for byte the same; of signature.json only what is
 * checked counts (the manifest hash and the signature's bytes: its description, say, is no claim).
 * A byte flip in a ZIP header (a date) leaves every file as it was, and may stay valid.
 */
async function sameFiles(candidate: Buffer): Promise<boolean> {
  const signed = (b: Buffer | undefined): string => {
    try {
      const s = JSON.parse(b?.toString('utf8') ?? '') as { manifestSha256: unknown; signature: unknown };
      return `${String(s.manifestSha256)}|${Buffer.from(String(s.signature), 'base64').toString('hex')}`;
    } catch {
      return 'unreadable';
    }
  };
  try {
    const got = await readZipFiles(candidate);
    return (
      got.size === files.size &&
      [...files].every(([n, b]) =>
        n === 'signature.json' ? signed(got.get(n)) === signed(b) : got.get(n)?.equals(b) === true,
      )
    );
  } catch {
    return false;
  }
}

describe('the verify page under random and mutated uploads', () => {
  test('Random bytes, with or without a ZIP header, never give a 5xx and are never valid', async () => {
    const before = ledgerState();
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.uint8Array({ maxLength: 4096 }), async (pk, bytes) => {
        const file = Buffer.concat([
          pk ? Buffer.from('PK\x03\x04', 'latin1') : Buffer.alloc(0),
          Buffer.from(bytes),
        ]);
        const r = await check(file);
        expect(r.status).toBeLessThan(500);
        expect(r.valid).toBe(false);
      }),
      { numRuns: 150, seed },
    );
    expect(ledgerState()).toEqual(before);
  });

  test('A mutated export never gives a 5xx and is valid only when every file is still the one signed', async () => {
    const before = ledgerState();
    await fc.assert(
      fc.asyncProperty(mutation(), async (make) => {
        const file = await make();
        const r = await check(file);
        expect(r.status).toBeLessThan(500);
        if (r.valid) expect(await sameFiles(file)).toBe(true);
      }),
      { numRuns: 200, seed },
    );
    expect(ledgerState()).toEqual(before);
  });

  test('The page and the offline script agree: what one calls valid, the other does too (the page also refuses duplicate names)', async () => {
    const script = (file: Buffer): boolean => {
      fs.writeFileSync(path.join(work, 'evidence.zip'), file);
      const r = spawnSync(
        process.execPath,
        [path.join(ROOT, 'scripts/verify-evidence.mjs'), 'evidence.zip', 'keys.txt'],
        {
          cwd: work,
          encoding: 'utf8',
        },
      );
      return r.status === 0;
    };
    expect(script(zip)).toBe(true);
    expect((await check(zip)).valid).toBe(true);
    await fc.assert(
      fc.asyncProperty(mutation(), async (make) => {
        const file = await make();
        const page = await check(file);
        const offline = script(file);
        if (page.valid) expect(offline).toBe(true);
        if (offline && !page.refused) expect(page.valid).toBe(true);
      }),
      { numRuns: 25, seed },
    );
  });
});
