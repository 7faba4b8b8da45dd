import crypto from 'node:crypto';
import path from 'node:path';
import { testDatabaseEnv } from '../support/test-database';
import { certificateSigningKey, deletionCertificate } from '../../src/lifecycle/certificate';
import { withdrawConsents } from '../../src/lifecycle/withdraw';
import { formatPublicKeys } from '../../src/crypto/signing-keys';
import {
  addUser,
  Client,
  seedConsent,
  startPortal,
  testMp3,
  type Portal,
  type Seeded,
} from './audit-support';

let portal: Portal;
let seeded: Seeded;
let zip: Buffer;
let certificate: Record<string, unknown>;

beforeAll(async () => {
  // A client address per request (as a proxy reports it), so the per-client limit stays out of the way.
  portal = await startPortal({ TRUST_PROXY_HOPS: '1' });
  seeded = await seedConsent(portal.rt, { withClip: true });
  const auditor = await addUser(portal, 'auditor');
  const client = new Client(portal.url);
  await client.login(auditor);
  await client.statReason();
  const res = await client.get(`/audit/consents/${seeded.consentId}/export`);
  expect(res.status).toBe(200);
  zip = Buffer.from(await res.arrayBuffer());
  const other = await seedConsent(portal.rt);
  withdrawConsents(portal.rt.ledger, {
    consentId: other.consentId,
    channel: 'email',
    ticket: 'T-1',
    actor: 'staff@example.com',
    at: new Date(),
  });
  const cert = deletionCertificate(
    portal.rt.ledger,
    other.consentId,
    certificateSigningKey(portal.rt.ledger),
  );
  expect(cert).not.toBeNull();
  certificate = { ...cert };
}, 30_000);
afterAll(() => portal.close());

let address = 0;
const from = (): Record<string, string> => ({ 'x-forwarded-for': `198.51.100.${(address++ % 250) + 1}` });

/** The form as a browser sends it: multipart/form-data with one file. */
async function upload(file: Buffer, name = 'evidence.zip', accept = 'text/html'): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(file)]), name);
  return fetch(`${portal.url}/audit/verify`, { method: 'POST', body: form, headers: { accept, ...from() } });
}

interface Report {
  kind: string;
  valid: boolean;
  consentId: string | null;
  checks: Array<{ id: string; status: string; detail: string; key?: { keyId: string; fingerprint: string } }>;
}

async function uploadJson(
  file: Buffer,
  type = 'application/zip',
): Promise<{ status: number; body: Report & { error?: string } }> {
  const res = await fetch(`${portal.url}/audit/verify`, {
    method: 'POST',
    body: new Uint8Array(file),
    headers: { 'content-type': type, accept: 'application/json', ...from() },
  });
  return { status: res.status, body: (await res.json()) as Report & { error?: string } };
}

/** What `openssl pkey -pubin -outform DER | sha256sum` prints for a key, grouped as the page shows it. */
/**
 * The limit counts in fixed windows of a wall-clock minute, so a run of requests that crosses a
 * minute boundary starts counting again, as the limit says. A test of the limit starts its run at
 * least 10 s before a boundary; the whole run takes a second or two.
 */
const awayFromMinuteBoundary = async (): Promise<void> => {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 10_000) await new Promise((resolve) => setTimeout(resolve, left + 100));
};

const opensslFingerprint = (pem: string): string =>
  crypto
    .createHash('sha256')
    .update(crypto.createPublicKey(pem).export({ format: 'der', type: 'spki' }))
    .digest('hex')
    .toUpperCase()
    .replace(/(.{4})(?=.)/g, '$1 ');

const ledgerState = (): unknown => ({
  events: portal.rt.ledger.db.prepare('SELECT COUNT(*) FROM events').pluck().get(),
  access: portal.rt.ledger.db.prepare('SELECT COUNT(*) FROM access_log').pluck().get(),
});

describe('the public verify page', () => {
  test('When anyone uploads an intact evidence export in the form, then every check passes in words, with the key fingerprints, without signing in', async () => {
    const before = ledgerState();
    const res = await upload(zip);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(
      `Valid: the evidence of consent ${seeded.consentId} is intact and signed by this operator.`,
    );
    for (const id of [
      'manifest',
      'signature',
      'checkpoint',
      'inclusion',
      'history',
      'chain',
      'record',
      'notice',
      'clip',
    ])
      expect(html).toMatch(new RegExp(`data-check="${id}" data-status="pass"`));
    expect(html).not.toMatch(/data-status="fail"/);
    const exportKey = portal.rt.ledger.signingKeys.publicKeys().find((k) => k.use === 'export' && k.active);
    expect(html).toContain(opensslFingerprint(exportKey?.publicKeyPem ?? ''));
    // Nothing is written: no event, no access-log entry (nobody signed in).
    expect(ledgerState()).toEqual(before);
  });

  test('When an API client posts the ZIP as the body and asks for JSON, then it gets the checks as JSON', async () => {
    const { status, body } = await uploadJson(zip);
    expect(status).toBe(200);
    expect(body).toMatchObject({ kind: 'evidence', valid: true, consentId: seeded.consentId });
    const signature = body.checks.find((c) => c.id === 'signature');
    expect(signature?.key?.keyId).toMatch(/^export-/);
  });

  test('When one byte of the recording is changed, then the page says NOT valid and names the file hash and the recording', async () => {
    const tampered = Buffer.from(zip);
    const at = tampered.indexOf(testMp3().subarray(2000, 2032));
    tampered[at] = (tampered[at] ?? 0) ^ 0x01;
    const html = await (await upload(tampered)).text();
    expect(html).toContain('NOT valid: at least one check failed.');
    expect(html).toMatch(/data-check="manifest" data-status="fail"/);
    expect(html).toMatch(/clip\.mp3 does not match its hash/);
    expect(html).toMatch(/data-check="clip" data-status="fail"/);
    expect(html).toMatch(/data-check="signature" data-status="pass"/);
  });

  test('When a deletion certificate is uploaded, then its signature is checked with the key it names; a changed one fails', async () => {
    const good = await uploadJson(Buffer.from(JSON.stringify(certificate, null, 2)), 'application/json');
    expect(good.body).toMatchObject({ kind: 'certificate', valid: true });
    expect(good.body.checks.map((c) => [c.id, c.status])).toEqual([
      ['format', 'pass'],
      ['key', 'pass'],
      ['certificate-signature', 'pass'],
      ['complete', 'skip'],
    ]);
    const html = await (await upload(Buffer.from(JSON.stringify(certificate)), 'certificate.json')).text();
    expect(html).toContain('Valid: the deletion certificate of consent');
    const changed = await uploadJson(
      Buffer.from(JSON.stringify({ ...certificate, reason: 'expired' })),
      'application/json',
    );
    expect(changed.body.valid).toBe(false);
    expect(changed.body.checks.find((c) => c.id === 'certificate-signature')?.status).toBe('fail');
    const unknownKey = await uploadJson(
      Buffer.from(JSON.stringify({ ...certificate, keyId: 'certificate-99' })),
      'application/json',
    );
    expect(unknownKey.body.checks.find((c) => c.id === 'key')?.status).toBe('fail');
  });

  test('When the upload is not a file we can check, then the answer says so plainly with a 4xx, and nothing is valid', async () => {
    const cases: Array<[Buffer, number, RegExp]> = [
      [Buffer.alloc(0), 400, /empty/],
      [Buffer.from('hello, auditor'), 400, /neither an evidence export \(a ZIP\) nor a deletion certificate/],
      [zip.subarray(0, zip.length - 200), 400, /This ZIP cannot be checked/],
      [Buffer.from('{"consentId": 1}'), 200, /NOT valid/],
    ];
    for (const [file, status, message] of cases) {
      const res = await upload(file);
      const html = await res.text();
      expect({ status: res.status, matches: message.test(html) }).toEqual({ status, matches: true });
      expect(html).not.toMatch(/Valid:/);
    }
    const none = await fetch(`${portal.url}/audit/verify`, {
      method: 'POST',
      body: new FormData(),
      headers: from(),
    });
    expect(none.status).toBe(400);
    expect(await none.text()).toMatch(/No file was sent/);
  });

  test('When the upload is larger than the limit, then it is refused with 413 before it is checked', async () => {
    const big = Buffer.concat([zip, Buffer.alloc(26 * 1024 * 1024)]);
    const res = await upload(big);
    expect(res.status).toBe(413);
    expect(await res.text()).toMatch(/larger than 25 MB/);
    const raw = await uploadJson(big);
    expect(raw.status).toBe(413);
    expect(raw.body.error).toMatch(/larger than 25 MB/);
  });

  test('The operator keys download as PEM: all of them as `consent keys public` prints them, and each on its own', async () => {
    const all = await fetch(`${portal.url}/audit/verify/keys.pem`);
    expect(all.headers.get('content-type')).toMatch(/application\/x-pem-file/);
    expect(all.headers.get('content-disposition')).toMatch(/attachment; filename="keys.pem"/);
    expect(await all.text()).toBe(formatPublicKeys(portal.rt.ledger.signingKeys.publicKeys()));
    for (const k of portal.rt.ledger.signingKeys.publicKeys()) {
      const one = await fetch(`${portal.url}/audit/verify/keys/${k.keyId}.pem`);
      expect(one.status).toBe(200);
      expect(await one.text()).toBe(k.publicKeyPem);
    }
    expect((await fetch(`${portal.url}/audit/verify/keys/nope.pem`)).status).toBe(404);
  });

  test('When one client sends more than 20 files a minute, then the rest get 429 and are not checked', async () => {
    await awayFromMinuteBoundary();
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++)
      statuses.push(
        (
          await fetch(`${portal.url}/audit/verify`, {
            method: 'POST',
            body: 'x',
            headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' },
          })
        ).status,
      );
    expect(statuses.slice(0, 20).every((s) => s === 400)).toBe(true);
    expect(statuses[20]).toBe(429);
  }, 60_000);

  test('When one client spreads its files over two instances on one ledger, then the limit is still 20 a minute in all', async () => {
    const second = await startPortal({
      TRUST_PROXY_HOPS: '1',
      ...testDatabaseEnv(path.join(portal.dir, 'consent.db')),
    });
    try {
      await awayFromMinuteBoundary();
      const statuses: number[] = [];
      for (let i = 0; i < 24; i++)
        statuses.push(
          (
            await fetch(`${(i % 2 ? second : portal).url}/audit/verify`, {
              method: 'POST',
              body: 'x',
              headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.8' },
            })
          ).status,
        );
      expect(statuses.slice(0, 20).every((s) => s === 400)).toBe(true);
      expect(statuses.slice(20)).toEqual([429, 429, 429, 429]);
    } finally {
      await second.close();
    }
  }, 60_000);
});
