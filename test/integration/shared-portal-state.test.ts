import path from 'node:path';
import { authenticator } from 'otplib';
import { testDatabaseEnv } from '../support/test-database';
import { addUser, Client, startPortal, type Portal } from './audit-support';

// Every attempt costs a real scrypt, and the machine is shared.
jest.setTimeout(60_000);

/**
 * Two instances of the portal behind one load balancer share one ledger (the same SQLite file, or
 * with TEST_DATABASE_URL one PostgreSQL database): whatever decides a sign-in or a session is read
 * from it, so alternating between them gains an attacker nothing and costs a user nothing.
 */
let a: Portal;
let b: Portal;
beforeEach(async () => {
  a = await startPortal();
  b = await startPortal(testDatabaseEnv(path.join(a.dir, 'consent.db')));
});
afterEach(async () => {
  await b.close();
  await a.close();
});

test('sign-in attempts on one address are counted across instances: the eleventh is refused wherever it lands', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 11; i++) {
    const portal = i % 2 === 0 ? a : b;
    statuses.push(
      (await new Client(portal.url).attemptLogin('nobody@example.com', 'guess', '123456')).status,
    );
  }
  expect(statuses.slice(0, 10)).toEqual(Array.from({ length: 10 }, () => 401));
  expect(statuses[10]).toBe(429);
});

test('a session made on one instance is valid on the other; an account locked on one is locked on the other', async () => {
  const user = await addUser(a, 'auditor');
  const signIn = await new Client(a.url).attemptLogin(
    user.email,
    user.password,
    authenticator.generate(user.secret),
  );
  expect(signIn.status).toBe(303);
  const session = signIn.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] ?? '')
    .filter((c) => !c.endsWith('='))
    .join('; ');
  expect((await new Client(b.url, { cookie: session }).get('/audit/')).status).toBe(200);

  const other = await addUser(a, 'auditor');
  for (let i = 0; i < 5; i++)
    expect(
      (await new Client(i % 2 ? a.url : b.url).attemptLogin(other.email, 'wrong!', '123456')).status,
    ).toBe(401);
  const right = await new Client(b.url).attemptLogin(
    other.email,
    other.password,
    authenticator.generate(other.secret),
  );
  expect(right.status).toBe(401);
});
