import { authenticator } from 'otplib';
import { ApiTokenStore } from '../../src/audit/sessions';
import { UserStore } from '../../src/audit/users';
import { addUser, Client, startPortal, type Portal, type TestUser } from './audit-support';

let portal: Portal;
let admin: TestUser;
let adminClient: Client;
let adminBearer: string;

beforeAll(async () => {
  portal = await startPortal();
  admin = await addUser(portal, 'admin');
  adminClient = new Client(portal.url);
  await adminClient.login(admin);
  const id = new UserStore(portal.rt.ledger).byEmail(admin.email)?.id ?? 0;
  adminBearer = new ApiTokenStore(portal.rt.ledger).create(id, 'admin script', id).secret;
});
afterAll(() => portal.close());

const api = (path: string, token: string, body?: unknown): Promise<Response> =>
  fetch(`${portal.url}/audit/api${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** A valid code of the next time step: one nobody used yet. */
const nextCode = (secret: string): string =>
  authenticator.clone({ epoch: Date.now() + 30_000 }).generate(secret);

const csrfIn = (html: string): string => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** Follows an enrolment link like the invited person's browser: reads the secret off the page, answers. */
async function enrol(
  link: string,
  password: string,
): Promise<{ status: number; secret: string; client: Client }> {
  const client = new Client(portal.url);
  const path = new URL(link).pathname;
  const page = await client.get(path);
  const html = await page.text();
  const secret = /secret=([A-Z2-7]+)/.exec(html)?.[1] ?? '';
  client.csrf = csrfIn(html);
  if (page.status !== 200) return { status: page.status, secret, client };
  const res = await client.post(path, { password, repeat: password, code: authenticator.generate(secret) });
  return { status: res.status, secret, client };
}

async function invite(
  role: string,
  email = `${role}-${Date.now()}-${Math.random().toString(36).slice(2, 6)}@example.com`,
) {
  const res = await api('/users', adminBearer, { email, role });
  expect(res.status).toBe(201);
  return { email, ...((await res.json()) as { enrolUrl: string; user: { id: number } }) };
}

describe('users enrol themselves', () => {
  test('When an admin adds an auditor, then the answer is a one-time enrolment link with no password or TOTP secret in it', async () => {
    const res = await api('/users', adminBearer, { email: 'new.auditor@example.com', role: 'auditor' });
    expect(res.status).toBe(201);
    const text = await res.text();
    expect(text).not.toMatch(/otpauth|secret/i);
    const body = JSON.parse(text) as { enrolUrl: string; enrolExpiresAt: string };
    expect(body.enrolUrl).toMatch(new RegExp(`^${portal.url}/audit/enrol/[A-Za-z0-9_-]{40,}$`));
    expect(Date.parse(body.enrolExpiresAt) - Date.now()).toBeGreaterThan(71 * 3600_000);
    // Pending: nobody can sign in as them before they enrol, with any password.
    const row = new UserStore(portal.rt.ledger).byEmail('new.auditor@example.com');
    expect(row).toMatchObject({ password_hash: '', totp_enc: '', enrolled_at: null });
  });

  test('When the person opens the link, sets a password and confirms a code, then they sign in; the link works once', async () => {
    const { email, enrolUrl } = await invite('auditor');
    const first = await enrol(enrolUrl, 'my own long passphrase');
    expect(first.status).toBe(200);
    // The code typed at enrolment is spent; the app's next code signs in.
    const signIn = await new Client(portal.url).attemptLogin(
      email,
      'my own long passphrase',
      nextCode(first.secret),
    );
    expect(signIn.status).toBe(303);
    const again = await enrol(enrolUrl, 'an attacker passphrase');
    expect(again.status).toBe(404);
  });

  test('When an enrolment link is more than 72 hours old, then it no longer opens', async () => {
    const { enrolUrl } = await invite('ops');
    portal.advance(73 * 3600_000);
    try {
      expect((await enrol(enrolUrl, 'too late passphrase')).status).toBe(404);
    } finally {
      portal.advance(-73 * 3600_000);
    }
  });

  test('When an auditor is created, then the other auditors see it on their overview, with who created it', async () => {
    const watcher = await addUser(portal, 'auditor');
    const { email } = await invite('auditor');
    const client = new Client(portal.url);
    await client.login(watcher);
    const html = await (await client.get('/audit/')).text();
    const table = /<table id="account-changes">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
    expect(table).toContain(email);
    expect(table).toMatch(new RegExp(`user_created[\\s\\S]*${email}[\\s\\S]*auditor[\\s\\S]*${admin.email}`));
  });
});

describe('API tokens', () => {
  test('When an admin asks for a token for another person, then it is refused; for a service account it is minted', async () => {
    const ops = await addUser(portal, 'ops');
    const refused = await adminClient.post('/audit/tokens', { name: 'dashboard', service: ops.email });
    expect(refused.status).toBe(400);
    expect((await api('/tokens', adminBearer, { name: 'x', email: ops.email })).status).toBe(403);

    expect((await api('/users', adminBearer, { kind: 'service', name: 'grafana', role: 'ops' })).status).toBe(
      201,
    );
    const minted = await adminClient.post('/audit/tokens', { name: 'dashboard', service: 'grafana' });
    expect(minted.status).toBe(201);
    const token = /<pre id="new-token">([^<]+)</.exec(await minted.text())?.[1] ?? '';
    expect((await api('/stats', token)).status).toBe(200);
    expect((await api('/users', token)).status).toBe(403);
  });

  test('When a user mints a token for themselves, then it carries their role until they revoke it', async () => {
    const auditor = await addUser(portal, 'auditor');
    const client = new Client(portal.url);
    await client.login(auditor);
    const page = await (await client.post('/audit/tokens', { name: 'my script' })).text();
    const token = /<pre id="new-token">([^<]+)</.exec(page)?.[1] ?? '';
    const me = (await (await api('/', token)).json()) as { user: string; role: string };
    expect(me).toMatchObject({ user: auditor.email, role: 'auditor' });
    const listed = (await (await api('/tokens', token)).json()) as {
      tokens: Array<{ id: number; email: string }>;
    };
    expect(listed.tokens.map((t) => t.email)).toEqual([auditor.email]);
    const id = listed.tokens[0]?.id ?? 0;
    expect((await api(`/tokens/${id}/revoke`, token, {})).status).toBe(200);
    expect((await api('/', token)).status).toBe(401);
  });

  test('When a token is older than API_TOKEN_TTL_DAYS (90), then it is refused', async () => {
    const ops = await addUser(portal, 'ops');
    const id = new UserStore(portal.rt.ledger).byEmail(ops.email)?.id ?? 0;
    const { secret } = new ApiTokenStore(portal.rt.ledger, () => new Date(), 90 * 86_400_000).create(
      id,
      'cron',
      id,
    );
    expect((await api('/stats', secret)).status).toBe(200);
    portal.advance(91 * 86_400_000);
    try {
      expect((await api('/stats', secret)).status).toBe(401);
    } finally {
      portal.advance(-91 * 86_400_000);
    }
  });

  test('When a token is presented by another token, then no new token is minted from it', async () => {
    expect((await api('/tokens', adminBearer, { name: 'breeding' })).status).toBe(403);
  });
});

describe('revocation', () => {
  test('When an admin disables a user, then their session and tokens stop at once; enabling lets them sign in again', async () => {
    const auditor = await addUser(portal, 'auditor');
    const id = new UserStore(portal.rt.ledger).byEmail(auditor.email)?.id ?? 0;
    const client = new Client(portal.url);
    await client.login(auditor);
    const token = new ApiTokenStore(portal.rt.ledger).create(id, 'script', id).secret;
    const off = await adminClient.post(`/audit/users/${id}/disable`, {});
    expect(off.status).toBe(303);
    expect((await client.get('/audit/')).status).toBe(303);
    expect((await api('/', token)).status).toBe(401);
    expect((await api(`/users/${id}/enable`, adminBearer, {})).status).toBe(200);
    portal.advance(31_000); // the next TOTP step: the last code was used
    try {
      await new Client(portal.url).login({ ...auditor, secret: auditor.secret });
    } catch {
      // Sign-in uses real time for TOTP; a fresh code of the next step is accepted.
      const next = authenticator.clone({ epoch: Date.now() + 30_000 }).generate(auditor.secret);
      expect((await new Client(portal.url).attemptLogin(auditor.email, auditor.password, next)).status).toBe(
        303,
      );
    } finally {
      portal.advance(-31_000);
    }
  });

  test('When an admin changes a role, then the user’s next request has the new role and their session is ended', async () => {
    const ops = await addUser(portal, 'ops');
    const id = new UserStore(portal.rt.ledger).byEmail(ops.email)?.id ?? 0;
    const token = new ApiTokenStore(portal.rt.ledger).create(id, 'script', id).secret;
    expect((await api('/stats', token)).status).toBe(200);
    expect((await api(`/users/${id}/role`, adminBearer, { role: 'auditor' })).status).toBe(200);
    expect((await api('/stats', token)).status).toBe(403);
    expect((await api(`/users/${id}/role`, adminBearer, { role: 'root' })).status).toBe(400);
  });

  test('When an admin tries to change their own role or disable the last admin, then nothing changes', async () => {
    const adminId = new UserStore(portal.rt.ledger).byEmail(admin.email)?.id ?? 0;
    expect((await api(`/users/${adminId}/role`, adminBearer, { role: 'auditor' })).status).toBe(409);
    expect((await api(`/users/${adminId}/disable`, adminBearer, {})).status).toBe(409);
    expect(new UserStore(portal.rt.ledger).byId(adminId)).toMatchObject({ role: 'admin', disabled: 0 });
    // With a second admin, one may go, but never both.
    const second = await addUser(portal, 'admin');
    const secondId = new UserStore(portal.rt.ledger).byEmail(second.email)?.id ?? 0;
    const secondBearer = new ApiTokenStore(portal.rt.ledger).create(secondId, 's', secondId).secret;
    const [a, b] = await Promise.all([
      api(`/users/${secondId}/disable`, adminBearer, {}),
      api(`/users/${adminId}/disable`, secondBearer, {}),
    ]);
    // One goes through; the other is refused (409, or 401 when its own admin was disabled first).
    expect([a.status, b.status].filter((s) => s === 200)).toHaveLength(1);
    const active = portal.rt.ledger.db
      .prepare("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0")
      .pluck()
      .get();
    expect(active).toBe(1);
  });
});
