import { authenticator } from 'otplib';
import { addUser, Client, startPortal, type Portal, type TestUser } from './audit-support';

let portal: Portal;
let auditor: TestUser;

beforeAll(async () => {
  portal = await startPortal();
  auditor = await addUser(portal, 'auditor');
});
afterAll(() => portal.close());

describe('auditor portal sign-in', () => {
  test('When password and TOTP are right, then a HttpOnly SameSite=Strict session cookie is set', async () => {
    const client = new Client(portal.url);
    const page = await client.get('/audit/login');
    const html = await page.text();
    expect(html).toMatch(/<label for="code">/);
    client.csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const res = await client.post('/audit/login', {
      email: auditor.email,
      password: auditor.password,
      code: authenticator.generate(auditor.secret),
    });
    expect(res.status).toBe(303);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('audit_session='));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toMatch(/Secure/); // http base URL in this test
    expect((await client.get('/audit/')).status).toBe(200);
  });

  test('When the same TOTP code is replayed, then the second sign-in fails', async () => {
    const user = await addUser(portal, 'ops');
    const code = authenticator.generate(user.secret);
    expect((await new Client(portal.url).attemptLogin(user.email, user.password, code)).status).toBe(303);
    expect((await new Client(portal.url).attemptLogin(user.email, user.password, code)).status).toBe(401);
  });

  test('When the login form comes without its CSRF token, then it is refused', async () => {
    const client = new Client(portal.url);
    await client.get('/audit/login');
    const res = await client.post(
      '/audit/login',
      { email: auditor.email, password: auditor.password, code: '000000' },
      false,
    );
    expect(res.status).toBe(403);
  });

  test('When the user is unknown or the password wrong, then the answer is the same and both run scrypt', async () => {
    const timed = async (email: string): Promise<{ status: number; message: string; ms: number }> => {
      const client = new Client(portal.url);
      const started = performance.now();
      const res = await client.attemptLogin(email, 'wrong-password-123', '123456');
      const ms = performance.now() - started;
      const message = /role="alert">([^<]+)</.exec(await res.text())?.[1] ?? '';
      return { status: res.status, message, ms };
    };
    const victim = await addUser(portal, 'admin');
    const unknown = await timed('nobody@example.com');
    const wrong = await timed(victim.email);
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.message).toBe(wrong.message);
    // Loose on purpose: CI machines are noisy, but a skipped scrypt would be ten times faster.
    expect(unknown.ms).toBeGreaterThan(wrong.ms * 0.3);
  });

  test('When five sign-ins fail, then the account is locked for 15 minutes even with the right password', async () => {
    const user = await addUser(portal, 'auditor');
    for (let i = 0; i < 5; i++) {
      const res = await new Client(portal.url).attemptLogin(user.email, 'not-the-password', '123456');
      expect(res.status).toBe(401);
    }
    const locked = await new Client(portal.url).attemptLogin(
      user.email,
      user.password,
      authenticator.generate(user.secret),
    );
    expect(locked.status).toBe(401);
    expect(await locked.text()).toMatch(/locked until/);
    expect(
      portal.rt.ledger.db.prepare('SELECT locked_until FROM users WHERE email = ?').pluck().get(user.email),
    ).toBeGreaterThan(Date.now());
    portal.advance(16 * 60_000);
    try {
      const client = new Client(portal.url);
      const res = await client.attemptLogin(user.email, user.password, authenticator.generate(user.secret));
      expect(res.status).toBe(303);
    } finally {
      portal.advance(-16 * 60_000);
    }
  });

  test('When a session is idle for more than 15 minutes, then it is gone', async () => {
    const user = await addUser(portal, 'admin');
    const client = new Client(portal.url);
    await client.login(user);
    portal.advance(14 * 60_000);
    expect((await client.get('/audit/')).status).toBe(200);
    portal.advance(16 * 60_000);
    try {
      const res = await client.get('/audit/');
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/audit/login');
    } finally {
      portal.advance(-30 * 60_000);
    }
  });

  test('When a signed-in form is posted without the session CSRF token, then it is refused', async () => {
    const user = await addUser(portal, 'auditor');
    const client = new Client(portal.url);
    await client.login(user);
    const res = await client.post('/audit/reason', { reason: 'a good reason' }, false);
    expect(res.status).toBe(403);
  });

  test('When the browser asks in German, then the login page is German; ?lang=en overrides it', async () => {
    const de = await new Client(portal.url).get('/audit/login', { 'accept-language': 'de-DE,de;q=0.9' });
    expect(await de.text()).toMatch(/<html lang="de">[\s\S]*Passwort/);
    const en = await new Client(portal.url).get('/audit/login?lang=en', { 'accept-language': 'de' });
    expect(await en.text()).toMatch(/Password/);
  });
});

describe('secure deployments', () => {
  test('When PUBLIC_BASE_URL is https, then the session cookie is Secure', async () => {
    const secure = await startPortal({ PUBLIC_BASE_URL: 'https://audit.example.com' });
    try {
      const user = await addUser(secure, 'ops');
      const res = await new Client(secure.url).attemptLogin(
        user.email,
        user.password,
        authenticator.generate(user.secret),
      );
      expect(res.headers.getSetCookie().find((c) => c.startsWith('audit_session='))).toMatch(/; Secure/);
    } finally {
      await secure.close();
    }
  });
});
