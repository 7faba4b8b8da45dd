import { authenticator } from 'otplib';
import { addUser, Client, startPortal, type Portal, type TestUser } from './audit-support';

// Every attempt costs a real scrypt, and the machine is shared.
jest.setTimeout(30_000);

let portal: Portal;
beforeEach(async () => {
  portal = await startPortal();
});
afterEach(() => portal.close());

const GENERIC = /Sign-in failed\. Check e-mail, password and code/;
const LOCKED = /locked until/;
const REUSED = /used already/;

const row = (email: string): { locked_until: number; failed_logins: number; totp_last_step: number } =>
  portal.rt.ledger.db
    .prepare('SELECT locked_until, failed_logins, totp_last_step FROM users WHERE email = ?')
    .get(email) as { locked_until: number; failed_logins: number; totp_last_step: number };

/** A valid code of the next time step: a fresh code nobody used yet. */
const nextCode = (secret: string): string =>
  authenticator.clone({ epoch: Date.now() + 30_000 }).generate(secret);

async function lockOut(user: TestUser): Promise<void> {
  for (let i = 0; i < 5; i++)
    expect((await new Client(portal.url).attemptLogin(user.email, 'wrong-password!', '123456')).status).toBe(
      401,
    );
  expect(row(user.email).locked_until).toBeGreaterThan(Date.now());
}

const message = async (res: Response): Promise<string> =>
  /<p class="error" role="alert" id="login-error">([^<]*)<\/p>/.exec(await res.text())?.[1] ?? '';

describe('what a failed sign-in says', () => {
  test('When a locked account signs in with the right password and code, then it is told it is locked and until when; the lock is not extended', async () => {
    const user = await addUser(portal, 'auditor');
    await lockOut(user);
    const before = row(user.email);
    const res = await new Client(portal.url).attemptLogin(
      user.email,
      user.password,
      authenticator.generate(user.secret),
    );
    expect(res.status).toBe(401);
    const text = await message(res);
    expect(text).toMatch(LOCKED);
    // The time the lock ends, as the portal shows times (Berlin): hour and minute of locked_until.
    const until = new Intl.DateTimeFormat('en-GB', {
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZone: 'Europe/Berlin',
    }).format(new Date(before.locked_until));
    expect(text).toContain(until);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(14 * 60);
    // Neither counted, nor extended, nor is the code spent: once the lock ends the same code works.
    expect(row(user.email)).toEqual(before);
  });

  test('When a locked account gets a wrong password, or the right password with a wrong code, then it hears only the generic message', async () => {
    const user = await addUser(portal, 'auditor');
    const ghost = await new Client(portal.url).attemptLogin(
      'nobody@example.com',
      'wrong-password!',
      '123456',
    );
    const unknownText = await message(ghost);
    await lockOut(user);
    for (const [password, code] of [
      ['wrong-password!', authenticator.generate(user.secret)],
      [user.password, '000000'],
      [user.password, ''],
    ] as const) {
      const res = await new Client(portal.url).attemptLogin(user.email, password, code);
      expect(res.status).toBe(401);
      const text = await message(res);
      expect(text).toMatch(GENERIC);
      expect(text).not.toMatch(LOCKED);
      // The same words as for an address that does not exist: a lock is not a sign the account exists.
      expect(text).toBe(unknownText);
    }
  });

  test('When a TOTP code is used a second time with the right password, then the message says the code was used; with a wrong password it stays generic', async () => {
    const user = await addUser(portal, 'ops');
    const code = authenticator.generate(user.secret);
    expect((await new Client(portal.url).attemptLogin(user.email, user.password, code)).status).toBe(303);
    const again = await new Client(portal.url).attemptLogin(user.email, user.password, code);
    expect(again.status).toBe(401);
    expect(await message(again)).toMatch(REUSED);
    // A replay still counts as a failure, as before.
    expect(row(user.email).failed_logins).toBe(1);
    const wrong = await new Client(portal.url).attemptLogin(user.email, 'wrong-password!', code);
    expect(await message(wrong)).toMatch(GENERIC);
    // The next code signs in.
    expect(
      (await new Client(portal.url).attemptLogin(user.email, user.password, nextCode(user.secret))).status,
    ).toBe(303);
  });

  test('When a sign-in fails, then the form keeps the e-mail address typed but never the password or code', async () => {
    const user = await addUser(portal, 'auditor');
    const res = await new Client(portal.url).attemptLogin(user.email, 'wrong-password!', '123456');
    const html = await res.text();
    expect(html).toMatch(new RegExp(`<input id="email" name="email" type="email" value="${user.email}"`));
    expect(html).not.toContain('wrong-password!');
    expect(html).toMatch(/<input id="password" name="password" type="password" value=""/);
    expect(html).toMatch(/<input id="code" name="code" type="text" value=""/);
    // What is typed is escaped, not markup.
    const odd = await new Client(portal.url).attemptLogin('"><script>x</script>@example.com', 'p', '1');
    const oddHtml = await odd.text();
    expect(oddHtml).not.toContain('<script>x');
    expect(oddHtml).toContain('value="&#34;&#62;&#60;script&#62;x&#60;/script&#62;@example.com"');
  });
});
