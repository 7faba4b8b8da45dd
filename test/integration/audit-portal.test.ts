import crypto from 'node:crypto';
import { verifyEvidenceZip, readZip } from '../../src/audit/verify-export';
import { ApiTokenStore } from '../../src/audit/sessions';
import { UserStore } from '../../src/audit/users';
import {
  addUser,
  Client,
  seedConsent,
  startPortal,
  testMp3,
  type Portal,
  type Seeded,
  type TestUser,
} from './audit-support';

let portal: Portal;
const users: Record<'admin' | 'auditor' | 'ops', TestUser> = {} as Record<
  'admin' | 'auditor' | 'ops',
  TestUser
>;
const clients: Record<'admin' | 'auditor' | 'ops', Client> = {} as Record<
  'admin' | 'auditor' | 'ops',
  Client
>;
const bearer: Record<'admin' | 'auditor' | 'ops', string> = {} as Record<'admin' | 'auditor' | 'ops', string>;
let withClip: Seeded;
let declined: Seeded;

beforeAll(async () => {
  portal = await startPortal();
  withClip = await seedConsent(portal.rt, { withClip: true, locale: 'de' });
  declined = await seedConsent(portal.rt, { decision: 'declined', locale: 'en', from: withClip.from });
  for (const role of ['admin', 'auditor', 'ops'] as const) {
    users[role] = await addUser(portal, role);
    clients[role] = new Client(portal.url);
    await clients[role].login(users[role]);
    const id = new UserStore(portal.rt.ledger).byEmail(users[role].email)?.id ?? 0;
    bearer[role] = new ApiTokenStore(portal.rt.ledger).create(id, `${role} test`, id).secret;
  }
  await clients.auditor.statReason();
});
afterAll(() => portal.close());

/** `:id` stands for the seeded consent: test.each builds its table before beforeAll runs. */
const routes = (): Array<[string, Record<'admin' | 'auditor' | 'ops', number>]> => {
  const id = ':id';
  const auditorOnly = { admin: 403, auditor: 200, ops: 403 };
  const opsOnly = { admin: 403, auditor: 403, ops: 200 };
  const adminOnly = { admin: 200, auditor: 403, ops: 403 };
  return [
    ['/', { admin: 200, auditor: 200, ops: 200 }],
    [`/consents?consentId=${id}`, auditorOnly],
    [`/consents/${id}`, auditorOnly],
    [`/consents/${id}/clip`, auditorOnly],
    [`/consents/${id}/export`, auditorOnly],
    ['/approvals', auditorOnly],
    ['/stats', opsOnly],
    ['/config', opsOnly],
    ['/users', adminOnly],
    // Everyone manages their own tokens; an admin sees all of them.
    ['/tokens', { admin: 200, auditor: 200, ops: 200 }],
    ['/access-log', adminOnly],
  ];
};

describe('roles are enforced on the server', () => {
  test.each(routes())(
    'portal GET /audit%s answers each role as its permissions say',
    async (route, expected) => {
      route = route.replace(':id', encodeURIComponent(withClip.consentId));
      for (const role of ['admin', 'auditor', 'ops'] as const)
        expect([role, (await clients[role].get(`/audit${route}`)).status]).toEqual([role, expected[role]]);
      const anonymous = await new Client(portal.url).get(`/audit${route}`);
      expect(anonymous.status).toBe(303);
    },
  );

  test.each(routes())(
    'API GET /audit/api%s answers each bearer token as its role says',
    async (route, expected) => {
      route = route.replace(':id', encodeURIComponent(withClip.consentId));
      for (const role of ['admin', 'auditor', 'ops'] as const) {
        const res = await fetch(`${portal.url}/audit/api${route}`, {
          headers: { authorization: `Bearer ${bearer[role]}`, 'x-audit-reason': 'API audit, ticket 42' },
        });
        expect([role, res.status]).toEqual([role, expected[role]]);
      }
      expect((await fetch(`${portal.url}/audit/api${route}`)).status).toBe(401);
      expect(
        (await fetch(`${portal.url}/audit/api${route}`, { headers: { authorization: 'Bearer nope' } }))
          .status,
      ).toBe(401);
    },
  );

  test('When ops reads statistics, then no number, transcript or consent ID is in the answer', async () => {
    const res = await fetch(`${portal.url}/audit/api/stats`, {
      headers: { authorization: `Bearer ${bearer.ops}` },
    });
    const text = await res.text();
    for (const secret of [withClip.from, withClip.transcript, withClip.consentId, withClip.callSid])
      expect(text).not.toContain(secret);
    const stats = JSON.parse(text) as {
      total: { calls: number; consentRate: number; refusalRate: number };
      byLanguage: Record<string, unknown>;
    };
    expect(stats.total.calls).toBeGreaterThanOrEqual(2);
    expect(stats.total.consentRate).toBeGreaterThan(0);
    expect(stats.total.refusalRate).toBeGreaterThan(0);
    expect(Object.keys(stats.byLanguage).sort()).toEqual(expect.arrayContaining(['de', 'en']));
  });

  test('When an API auditor sends no reason, then personal data is refused with 428', async () => {
    const res = await fetch(`${portal.url}/audit/api/consents/${withClip.consentId}`, {
      headers: { authorization: `Bearer ${bearer.auditor}` },
    });
    expect(res.status).toBe(428);
  });
});

describe('auditor work', () => {
  test('When an auditor has not stated a reason, then the search sends them to the reason form first', async () => {
    const fresh = new Client(portal.url);
    await fresh.login(await addUser(portal, 'auditor'));
    const res = await fresh.get(`/audit/consents/${withClip.consentId}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/audit\/reason\?next=/);
  });

  test('When searching by caller number, then both of that caller’s consents show with the full number', async () => {
    const res = await clients.auditor.get(`/audit/consents?number=${encodeURIComponent(withClip.from)}`);
    const html = await res.text();
    expect(html).toContain(withClip.consentId);
    expect(html).toContain(declined.consentId);
    expect(html).toContain(withClip.from);
  });

  test('When searching by status, language and purpose, then only matching consents come back', async () => {
    const api = (q: string): Promise<{ rows: Array<{ id: string }>; total: number }> =>
      fetch(`${portal.url}/audit/api/consents?${q}`, {
        headers: { authorization: `Bearer ${bearer.auditor}`, 'x-audit-reason': 'review' },
      }).then((r) => r.json() as Promise<{ rows: Array<{ id: string }>; total: number }>);
    expect((await api('status=declined&language=en')).rows.map((r) => r.id)).toEqual([declined.consentId]);
    expect((await api('purpose=call')).rows.map((r) => r.id)).toEqual([withClip.consentId]);
    expect((await api(`callSid=${withClip.callSid}`)).total).toBe(1);
    const day = new Date().toISOString().slice(0, 10);
    expect((await api(`from=${day}&to=${day}`)).total).toBe(2);
    expect((await api('from=2000-01-01&to=2000-01-02')).total).toBe(0);
  });

  test('When a consent is opened, then notice, transcript, confidence, a timeline in words, player and chain verdict are shown', async () => {
    const html = await (await clients.auditor.get(`/audit/consents/${withClip.consentId}`)).text();
    expect(html).toContain(withClip.noticeText);
    expect(html).toContain(withClip.transcript);
    expect(html).toContain('0.91');
    expect(html).toMatch(/<audio id="clip" controls[^>]*src="\/audit\/consents\/[^"]+\/clip"/);
    expect(html).toMatch(/id="chain" class="ok"/);
    // The timeline speaks words, not event types; the raw events stay behind a toggle.
    expect(html).toMatch(/Disclosure played to the end/);
    expect(html).not.toMatch(/<strong>disclosed<\/strong>/);
    expect(html).toContain(declined.consentId); // the caller's history
  });

  test('When the API reads a consent, then both clip hashes are named by what they hash', async () => {
    // A reader of its own, so the access-log test below still finds the portal auditor's view first.
    const reader = await addUser(portal, 'auditor');
    const id = new UserStore(portal.rt.ledger).byEmail(reader.email)?.id ?? 0;
    const secret = new ApiTokenStore(portal.rt.ledger).create(id, 'hash reader', id).secret;
    const res = await fetch(`${portal.url}/audit/api/consents/${withClip.consentId}`, {
      headers: { authorization: `Bearer ${secret}`, 'x-audit-reason': 'review' },
    });
    const { clip } = (await res.json()) as {
      clip: { audioFileSha256: string; storedCiphertextSha256: string };
    };
    expect(clip.audioFileSha256).toBe(crypto.createHash('sha256').update(testMp3()).digest('hex'));
    const key = portal.rt.ledger.getClip(withClip.consentId)?.object_key ?? '';
    const stored = await portal.rt.store.get(key);
    expect(clip.storedCiphertextSha256).toBe(crypto.createHash('sha256').update(stored).digest('hex'));
  });

  test('When the player asks for a byte range, then exactly that range of the decrypted MP3 comes back', async () => {
    const mp3 = testMp3();
    const full = await clients.auditor.get(`/audit/consents/${withClip.consentId}/clip`);
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await full.arrayBuffer()).equals(mp3)).toBe(true);
    const part = await clients.auditor.get(`/audit/consents/${withClip.consentId}/clip`, {
      range: 'bytes=100-199',
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${mp3.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(mp3.subarray(100, 200))).toBe(true);
    const beyond = await clients.auditor.get(`/audit/consents/${withClip.consentId}/clip`, {
      range: `bytes=${mp3.length + 5}-`,
    });
    expect(beyond.status).toBe(416);
  });

  test('When evidence is exported, then the ZIP verifies against the operator keys and tampering is caught', async () => {
    const res = await clients.auditor.get(`/audit/consents/${withClip.consentId}/export`);
    expect(res.headers.get('content-type')).toMatch(/application\/zip/);
    const zip = Buffer.from(await res.arrayBuffer());
    const pem = await (await clients.auditor.get('/audit/public-key')).text();
    const keys = portal.rt.ledger.signingKeys.publicKeys();
    expect(keys.find((k) => k.use === 'export' && k.active)?.publicKeyPem).toBe(pem);
    const verdict = await verifyEvidenceZip(zip, keys);
    expect(verdict).toMatchObject({ ok: true, consentId: withClip.consentId });
    expect(verdict.files).toEqual(
      expect.arrayContaining([
        'summary.html',
        'record.json',
        'clip.mp3',
        'chain-proof.json',
        'manifest.json',
        'signature.json',
      ]),
    );
    const files = await readZip(zip);
    expect(files.get('clip.mp3')?.equals(testMp3())).toBe(true);
    const record = JSON.parse(files.get('record.json')?.toString() ?? '{}') as Record<string, unknown>;
    for (const field of [
      'piiControllers',
      'services',
      'consentTimestamp',
      'collectionMethod',
      'jurisdiction',
      'language',
      'status',
      'notice',
    ])
      expect(record).toHaveProperty(field);
    // The clip is stored uncompressed in the ZIP, so one flipped byte there is a precise forgery.
    const tampered = Buffer.from(zip);
    const at = tampered.indexOf(testMp3().subarray(1000, 1032));
    expect(at).toBeGreaterThan(0);
    tampered[at] = (tampered[at] ?? 0) ^ 0xff;
    expect(await verifyEvidenceZip(tampered, keys)).toMatchObject({
      ok: false,
      problems: [
        'clip.mp3 does not match its hash (it was changed)',
        'clip.mp3 is not the recording the log names.',
      ],
    });
    const stranger = crypto
      .generateKeyPairSync('ed25519')
      .publicKey.export({ format: 'pem', type: 'spki' })
      .toString();
    const forged = [
      ...keys.filter((k) => k.use === 'checkpoint'),
      { use: 'export' as const, keyId: 'export-9', active: true, publicKeyPem: stranger },
    ];
    expect((await verifyEvidenceZip(zip, forged)).problems).toEqual([
      "The signature over manifest.json does not verify with any of the operator's export keys.",
    ]);
  });
});

describe('access log', () => {
  test('When auditors read personal data, then admins see who, what, from where and why in a hash chain', async () => {
    const res = await clients.admin.get('/audit/access-log?format=json');
    const body = (await res.json()) as {
      chain: { ok: boolean };
      records: Array<{
        action: string;
        user: string;
        reason: string | null;
        ip: string | null;
        consentId: string | null;
        via: string;
      }>;
    };
    expect(body.chain.ok).toBe(true);
    const view = body.records.find((r) => r.action === 'view_consent' && r.user === users.auditor.email);
    expect(view).toMatchObject({
      consentId: withClip.consentId,
      reason: 'Auskunftsersuchen Art. 15, Az. 2026-17',
      via: 'portal',
    });
    expect(view?.ip).toMatch(/127\.0\.0\.1/);
    expect(body.records.some((r) => r.action === 'play_clip')).toBe(true);
    expect(body.records.some((r) => r.action === 'export_evidence')).toBe(true);
    expect(body.records.some((r) => r.action === 'search' && r.via === 'api' && r.reason === 'review')).toBe(
      true,
    );
    expect(JSON.stringify(body)).not.toContain(withClip.from);
  });

  test('When a consent page shows the caller’s other consents, then each of them is logged as read too', async () => {
    const page = await (await clients.auditor.get(`/audit/consents/${withClip.consentId}`)).text();
    expect(page).toContain(declined.consentId);
    const rows = portal.rt.ledger.db
      .prepare("SELECT consent_id, call_sid, data FROM access_log WHERE type = 'view_history'")
      .all() as Array<{ consent_id: string; call_sid: string; data: string }>;
    expect(rows).toContainEqual(
      expect.objectContaining({ consent_id: declined.consentId, call_sid: declined.callSid }),
    );
    expect(rows.some((r) => r.consent_id === withClip.consentId)).toBe(false);
  });

  test('When an admin opens the access-log page, then that reading is itself logged', async () => {
    const before = portal.rt.ledger.db
      .prepare("SELECT COUNT(*) FROM access_log WHERE type = 'view_access_log'")
      .pluck()
      .get() as number;
    expect((await clients.admin.get('/audit/access-log')).status).toBe(200);
    const after = (await (await clients.admin.get('/audit/access-log?format=json')).json()) as {
      records: Array<{ action: string; user: string }>;
    };
    expect(after.records.filter((r) => r.action === 'view_access_log')).toHaveLength(before + 1);
    expect(after.records.find((r) => r.action === 'view_access_log')?.user).toBe(users.admin.email);
  });

  test('When the access log is exported as CSV, then it downloads with one header row', async () => {
    const res = await clients.admin.get('/audit/access-log?format=csv');
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    expect((await res.text()).split('\r\n')[0]).toBe(
      'seq,at,action,user,role,ip,reason,consentId,callSid,via,hash',
    );
  });

  test('When someone edits or deletes an access-log row in SQLite, then the database refuses', () => {
    const db = portal.rt.ledger.db;
    expect(() => db.prepare("UPDATE access_log SET type = 'x' WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM access_log').run()).toThrow(/append-only/);
  });
});
