import { authenticator } from 'otplib';
import { addUser, Client, startPortal, type Portal, type TestUser } from './audit-support';

// Every attempt costs a real scrypt, and the machine is shared.
jest.setTimeout(30_000);

// Each test gets its own portal: the per-address limit is part of what is under test.
let portal: Portal;
beforeEach(async () => {
  portal = await startPortal();
});
afterEach(() => portal.close());

const lockedUntil = (email: string): number =>
  portal.rt.ledger.db.prepare('SELECT locked_until FROM users WHERE email = ?').pluck().get(email) as number;

/** Clients that already hold the login form, so their posts leave at the same moment. */
async function ready(
  n: number,
  headers: (i: number) => Record<string, string> = () => ({}),
): Promise<Client[]> {
  const clients = Array.from({ length: n }, (_, i) => new Client(portal.url, headers(i)));
  await Promise.all(clients.map((c) => c.openLogin()));
  return clients;
}

const post = (c: Client, u: TestUser, password: string, code: string): Promise<Response> =>
  c.post('/audit/login', { email: u.email, password, code });

/** A valid code of the next time step: a fresh code nobody used yet. */
const nextCode = (secret: string): string =>
  authenticator.clone({ epoch: Date.now() + 30_000 }).generate(secret);

describe('sign-in lockout holds under parallel attempts', () => {
  test('When 20 wrong sign-ins for one account arrive in parallel, then the account is locked', async () => {
    const user = await addUser(portal, 'auditor');
    const clients = await ready(20);
    const answers = await Promise.all(clients.map((c) => post(c, user, 'not-the-password', '123456')));
    expect(answers.every((r) => r.status === 401 || r.status === 429)).toBe(true);
    expect(lockedUntil(user.email)).toBeGreaterThan(Date.now() + 14 * 60_000);
  });

  test('When a right sign-in is still checking its password as the fifth failure locks the account, then it stays locked', async () => {
    const user = await addUser(portal, 'auditor');
    for (let i = 0; i < 4; i++)
      expect(
        (await new Client(portal.url).attemptLogin(user.email, 'wrong-password!', '123456')).status,
      ).toBe(401);
    const [attacker, owner] = (await ready(2)) as [Client, Client];
    const fifth = post(attacker, user, 'wrong-password!', '123456');
    // The right sign-in starts while the fifth failure is inside scrypt, and so ends after it.
    await new Promise((r) => setTimeout(r, 15));
    const inFlight = post(owner, user, user.password, authenticator.generate(user.secret));
    await Promise.all([fifth, inFlight]);
    expect(lockedUntil(user.email)).toBeGreaterThan(Date.now());
    const later = await new Client(portal.url).attemptLogin(user.email, user.password, nextCode(user.secret));
    expect(later.status).toBe(401);
  });

  test('When one TOTP code is sent by five parallel sign-ins with the right password, then exactly one succeeds', async () => {
    const user = await addUser(portal, 'ops');
    const code = authenticator.generate(user.secret);
    const clients = await ready(5);
    const statuses = (await Promise.all(clients.map((c) => post(c, user, user.password, code)))).map(
      (r) => r.status,
    );
    expect(statuses.filter((s) => s === 303)).toHaveLength(1);
  });

  test('When five sign-ins fail from five proxy-reported addresses, then the account is locked', async () => {
    await portal.close();
    portal = await startPortal({ TRUST_PROXY_HOPS: '1' });
    const user = await addUser(portal, 'auditor');
    for (let i = 0; i < 5; i++) {
      const c = new Client(portal.url, { 'x-forwarded-for': `198.51.100.${i + 1}` });
      expect((await c.attemptLogin(user.email, 'wrong-password!', '123456')).status).toBe(401);
    }
    const right = await new Client(portal.url, { 'x-forwarded-for': '198.51.100.99' }).attemptLogin(
      user.email,
      user.password,
      authenticator.generate(user.secret),
    );
    expect(right.status).toBe(401);
    expect(lockedUntil(user.email)).toBeGreaterThan(Date.now());
  });
});

describe('rate limits', () => {
  test('When every attempt claims another X-Forwarded-For and no proxy is configured, then the per-address limit still stops the 31st', async () => {
    const clients = await ready(31, (i) => ({ 'x-forwarded-for': `203.0.113.${i + 1}` }));
    const statuses: number[] = [];
    // Different unknown addresses, so only the per-address limit can refuse them.
    for (const [i, c] of clients.entries())
      statuses.push(
        (await c.post('/audit/login', { email: `x${i}@example.com`, password: 'p', code: '1' })).status,
      );
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses[30]).toBe(429);
  });

  test('When one proxy hop is trusted, then the session records the address the proxy reports', async () => {
    await portal.close();
    portal = await startPortal({ TRUST_PROXY_HOPS: '1' });
    const user = await addUser(portal, 'ops');
    const c = new Client(portal.url, { 'x-forwarded-for': '192.0.2.44' });
    await c.login(user);
    expect(portal.rt.ledger.db.prepare('SELECT ip FROM sessions').pluck().all()).toEqual(['192.0.2.44']);
  });

  test('When one account gets an 11th attempt within 15 minutes, then it is refused before any password check, known or not', async () => {
    for (const email of ['ghost@example.com', (await addUser(portal, 'auditor')).email]) {
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++)
        statuses.push((await new Client(portal.url).attemptLogin(email, 'wrong-password!', '123456')).status);
      expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
      expect(statuses[10]).toBe(429);
    }
  });
});
