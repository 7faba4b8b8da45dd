import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserStore } from '../../src/audit/users';
import { main } from '../../src/cli/main';
import { KeyRing } from '../../src/crypto/keyring';
import { parseKeyRing } from '../../src/config';
import { Ledger } from '../../src/ledger';
import { KEYS } from '../support/gateway';
import { openTestLedger, testDatabaseEnv } from '../support/test-database';

jest.setTimeout(120_000);
let dir: string;
const saved = { ...process.env };

async function consent(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

/** What callers hear changes with the company's name in the operator file. */
function operatorFile(company: string): void {
  fs.writeFileSync(path.join(dir, 'gateway.json'), JSON.stringify({ company }));
}

function withLedger<T>(fn: (ledger: Ledger) => T): T {
  const ledger = openTestLedger(path.join(dir, 'consent.db'), new KeyRing(parseKeyRing(KEYS)));
  try {
    return fn(ledger);
  } finally {
    ledger.close();
  }
}

const idOf = (out: string, marker: RegExp): string => {
  const line = out.split('\n').find((l) => marker.test(l));
  if (!line) throw new Error(`no line ${marker} in\n${out}`);
  return line.split(' ')[0] ?? '';
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notices-'));
  Object.assign(process.env, {
    ...testDatabaseEnv(path.join(dir, 'consent.db')),
    CONSENT_KEYS: KEYS,
    GATEWAY_CONFIG: path.join(dir, 'gateway.json'),
    LOG_LEVEL: 'silent',
  });
  operatorFile('Alpha Versand GmbH');
  await consent('notices', 'list'); // creates the ledger
  const ledger = openTestLedger(path.join(dir, 'consent.db'), new KeyRing(parseKeyRing(KEYS)));
  await new UserStore(ledger).add('dpo@example.com', 'dpo', 'a long dpo password 1');
  await new UserStore(ledger).add('auditor@example.com', 'auditor', 'a long auditor password 1');
  ledger.close();
});
afterAll(() => {
  process.env = saved;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('consent notices', () => {
  test('a text change is a draft until a dpo approves it; only dpo or admin may; the approval is a ledger event', async () => {
    const first = await consent('notices', 'list');
    expect(first.code).toBe(0);
    const v1 = idOf(first.out, /\(the locale files now\)/);
    expect(first.out).toMatch(new RegExp(`^${v1}  draft `, 'm'));

    const denied = await consent('notices', 'approve', v1, '--by', 'auditor@example.com');
    expect(denied.code).toBe(1);
    expect(denied.err).toMatch(/auditor@example\.com is auditor: only a dpo or an admin approves/);
    expect((await consent('notices', 'approve', v1, '--by', 'nobody@example.com')).code).toBe(1);

    const ok = await consent('notices', 'approve', v1, '--by', 'dpo@example.com');
    expect(ok.code).toBe(0);
    expect((await consent('notices', 'list')).out).toMatch(
      new RegExp(`^${v1}  live .*approved by dpo@example\\.com`, 'm'),
    );
    expect((await consent('notices', 'approve', v1, '--by', 'dpo@example.com')).err).toMatch(
      /already approved/,
    );

    operatorFile('Beta Logistik AG');
    const second = await consent('notices', 'list');
    const v2 = idOf(second.out, /\(the locale files now\)/);
    expect(v2).not.toBe(v1);
    expect(second.out).toMatch(new RegExp(`^${v2}  draft `, 'm'));
    expect(second.out).toMatch(new RegExp(`^${v1}  live `, 'm')); // the live version stays until sign-off

    const events = withLedger((ledger) =>
      ledger.db.prepare("SELECT data FROM events WHERE type = 'notice_approved'").pluck().all(),
    ) as string[];
    expect(events).toHaveLength(1);
    const data = JSON.parse(events[0] ?? '{}') as Record<string, string>;
    expect(data).toMatchObject({ by: 'dpo@example.com', role: 'dpo' });
    expect(data.contentSha256?.startsWith(v1)).toBe(true);
  });

  test('diff shows, word by word and for every language, what the draft changes against the live version', async () => {
    const r = await consent('notices', 'diff', 'live', 'current');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^de disclosure:\n .*willkommen bei \[-Alpha Versand GmbH-\]\{\+Beta Logistik AG\+\}\. Sie sprechen/m,
    );
    for (const lng of ['de', 'en', 'fr', 'tr']) expect(r.out).toMatch(new RegExp(`^${lng} disclosure:`, 'm'));
    expect(r.out).not.toMatch(/^de main:/m); // unchanged texts are not listed
    expect((await consent('notices', 'diff', 'live', 'zzzzzzzz')).code).toBe(4);
  });
});
