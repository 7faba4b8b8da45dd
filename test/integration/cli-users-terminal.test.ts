import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { verifyPassword } from '../../src/audit/passwords';
import { UserStore } from '../../src/audit/users';
import { KEYS, startGateway, type Gateway } from '../support/gateway';
import { CONSENT_BIN } from '../support/consent-cli';
import { testDatabaseEnv } from '../support/test-database';

/**
 * The first admin, made by a person at a terminal (`consent users add --email … --role admin`,
 * no pipe): they are asked for the password, it is not shown as they type, and Enter ends it.
 * util-linux `script` gives the command a real terminal, as a person's shell would.
 */
jest.setTimeout(60_000);

let dir: string;
let gw: Gateway;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-tty-'));
  gw = await startGateway({}, { dir });
});
afterAll(async () => {
  await gw.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('at a terminal, users add prompts for the password, does not echo it, and is done at Enter', async () => {
  const password = 'correct horse battery staple';
  const command = `${process.execPath} ${CONSENT_BIN} users add --email first.admin@example.com --role admin`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env: {
      PATH: process.env.PATH,
      ...testDatabaseEnv(path.join(dir, 'consent.db')),
      CONSENT_KEYS: KEYS,
      LOG_LEVEL: 'silent',
    },
  });
  let screen = '';
  let typed = false;
  child.stdout.on('data', (d: Buffer) => {
    screen += d.toString();
    // The person types once asked, and presses Enter; they never press Ctrl-D.
    if (!typed && /password \(/.test(screen)) {
      typed = true;
      child.stdin.write(`${password}\r`);
    }
  });
  // A command that never returns (waiting for an end of input) fails the test, and is ended.
  const stuck = setTimeout(() => child.kill(), 45_000);
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(stuck);
  expect(status).toBe(0);
  expect(screen).toMatch(/password \(at least 12 characters, not shown\), then Enter:/);
  expect(screen).toContain('added first.admin@example.com (admin)');
  expect(screen).toMatch(/otpauth:\/\/totp\//);
  expect(screen).not.toContain(password);
  const user = new UserStore(gw.runtime.ledger).byEmail('first.admin@example.com');
  expect(await verifyPassword(password, user?.password_hash ?? '')).toBe(true);
});
