import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserStore } from '../../src/audit/users';
import { parseKeyRing } from '../../src/config';
import { KeyRing } from '../../src/crypto/keyring';
import { Ledger } from '../../src/ledger';
import { twilioSignature } from '../support/twilio-emulator';
import { consent, freePort, startServer, type ServerProcess } from './processes';

/**
 * The service as an operator runs it (`node dist/src/main.js`): an edited text is read on SIGHUP
 * without a restart and becomes a draft that waits for sign-off while the approved text plays; a
 * broken file keeps the old texts and /healthz says why; an approval by `consent notices approve`
 * in another process takes effect in the running server.
 */
jest.setTimeout(120_000);

const AUTH_TOKEN = 'sighup-auth-token-0123456789abcdef';
const KEYS = `k1:${Buffer.alloc(32, 9).toString('base64')}`;
let dir: string;
let env: NodeJS.ProcessEnv;
let base: string;
let server: ServerProcess;
const operatorFile = (): string => path.join(dir, 'gateway.json');
const setCompany = (company: string): void => fs.writeFileSync(operatorFile(), JSON.stringify({ company }));

interface Health {
  notice: {
    mode: string;
    playing: string | null;
    files: string;
    reload?: { ok: boolean; problems: string[] };
  };
}
const health = async (): Promise<Health> => (await (await fetch(`${base}/healthz`)).json()) as Health;

async function until(what: string, test: (h: Health) => boolean): Promise<Health> {
  for (let i = 0; i < 100; i += 1) {
    const h = await health();
    if (test(h)) return h;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await health())}`);
}

/** What a caller hears first, as Twilio would ask for it (a signed /voice/incoming). */
async function opening(): Promise<string> {
  const url = `${base}/voice/incoming`;
  const params = {
    CallSid: `CA${crypto.randomBytes(16).toString('hex')}`,
    AccountSid: `AC${'c3'.repeat(16)}`,
    From: '+4915112345678',
    To: '+4930123456',
    FromCountry: 'DE',
    CallStatus: 'ringing',
  };
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(AUTH_TOKEN, url, params),
    },
    body: new URLSearchParams(params).toString(),
  });
  expect(res.status).toBe(200);
  return res.text();
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sighup-'));
  setCompany('Alpha Versand GmbH');
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  env = {
    PATH: process.env.PATH,
    PORT: String(port),
    PUBLIC_BASE_URL: base,
    DATABASE_PATH: path.join(dir, 'consent.db'),
    CONSENT_KEYS: KEYS,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    HUMAN_AGENT_NUMBER: '+4930111222',
    GATEWAY_CONFIG: operatorFile(),
    NOTICE_DRAFTS: 'refuse',
    NOTICE_FIRST_VERSION: 'closed',
    LOG_LEVEL: 'info',
  };
  server = await startServer(env, base, dir);
  const ledger = new Ledger(path.join(dir, 'consent.db'), new KeyRing(parseKeyRing(KEYS)));
  await new UserStore(ledger).add('dpo@example.com', 'dpo', 'a long dpo password 1');
  ledger.close();
});
afterAll(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('SIGHUP reads edited texts as a draft while the approved ones play; a broken file keeps them; an approval elsewhere applies', async () => {
  expect((await health()).notice.mode).toBe('closed');
  const approveFirst = await consent(['notices', 'approve', 'current', '--by', 'dpo@example.com'], env, dir);
  expect(approveFirst.status).toBe(0);
  const alpha = (await until('the first approval', (h) => h.notice.mode === 'approved')).notice.playing;
  expect(await opening()).toContain('Alpha Versand GmbH');

  setCompany('Beta Logistik GmbH');
  server.child.kill('SIGHUP');
  const edited = await until('the reload', (h) => h.notice.files !== alpha);
  expect(edited.notice).toMatchObject({ mode: 'live', playing: alpha, reload: { ok: true } });
  const beta = edited.notice.files;
  const during = await opening();
  expect(during).toContain('Alpha Versand GmbH');
  expect(during).not.toContain('Beta');

  fs.writeFileSync(operatorFile(), '{ "company": ');
  server.child.kill('SIGHUP');
  const broken = await until('the refused reload', (h) => h.notice.reload?.ok === false);
  expect(broken.notice).toMatchObject({ mode: 'live', playing: alpha, files: beta });
  expect(broken.notice.reload?.problems.join(' ')).toMatch(/GATEWAY_CONFIG/);
  expect(await opening()).toContain('Alpha Versand GmbH');

  setCompany('Beta Logistik GmbH'); // fixed again (the command line reads the operator file too)
  const approveBeta = await consent(['notices', 'approve', beta, '--by', 'dpo@example.com'], env, dir);
  expect(approveBeta.status).toBe(0);
  await until('the second approval', (h) => h.notice.playing === beta);
  expect(await opening()).toContain('Beta Logistik GmbH');
  expect(server.child.exitCode).toBeNull();
});
