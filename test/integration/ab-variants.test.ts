/**
 * A/B wording variants through the Twilio emulator: callers are split at random between the live
 * wording and a variant, each call's assignment is in the ledger with its notice version; a
 * variant that fails the compliance gate never plays and its version cannot be signed off.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { approveNoticeVersion, NoticeApprovalError } from '../../src/audit/notices';
import { UserStore } from '../../src/audit/users';
import { startGateway, said, type Gateway } from '../support/gateway';
import { localeNumbers } from '../support/shipped-locales';

jest.setTimeout(120_000);

const { numberOf, numbers } = localeNumbers();
const VARIANT_B =
  'Guten Tag! Hier ist {{assistant}} von {{company}}, ein KI-Telefonassistent, also eine künstliche Intelligenz und kein Mensch.';
let dir: string;
let locales: string;
let callers = 0;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ab-'));
  locales = path.join(dir, 'locales');
  fs.cpSync(path.join(__dirname, '../../locales'), locales, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'gateway.json'),
    JSON.stringify({ numbers, abTest: { split: { base: 1, b: 1 } } }),
  );
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const variant = (texts: Record<string, unknown>): void => {
  fs.mkdirSync(path.join(locales, 'de', 'variants', 'b'), { recursive: true });
  fs.writeFileSync(path.join(locales, 'de', 'variants', 'b', 'prompts.json'), JSON.stringify(texts));
};
const gateway = (env: Record<string, string> = {}): Promise<Gateway> =>
  startGateway({ GATEWAY_CONFIG: path.join(dir, 'gateway.json'), ...env }, { dir, localesDir: locales });

async function call(gw: Gateway): Promise<{ heard: string; callSid: string }> {
  const c = gw.emulator.placeCall({
    from: `+4915400${String(++callers).padStart(6, '0')}`,
    to: numberOf('de'),
    fromCountry: 'DE',
  });
  await c.start();
  await c.press('1');
  return { heard: said(c.heard), callSid: c.callSid };
}

const started = (gw: Gateway, callSid: string): { variant?: string; noticeVersion?: string } =>
  JSON.parse(
    (
      gw.runtime.ledger.db
        .prepare("SELECT data FROM events WHERE type = 'call_started' AND call_sid = ?")
        .get(callSid) as { data: string }
    ).data,
  ) as { variant?: string; noticeVersion?: string };

test('callers are split between the live wording and variant b at random; each call records its variant and notice version', async () => {
  variant({ disclosure: VARIANT_B });
  const gw = await gateway();
  try {
    const version = gw.notices.filesVersion();
    const seen = { base: 0, b: 0 };
    for (let i = 0; i < 24; i += 1) {
      const c = await call(gw);
      const data = started(gw, c.callSid);
      expect(data.noticeVersion).toBe(version);
      if (data.variant === 'b') {
        seen.b += 1;
        expect(c.heard).toContain('Hier ist Lea von');
      } else {
        expect(data.variant).toBeUndefined();
        seen.base += 1;
        expect(c.heard).toContain('Guten Tag und willkommen bei');
        expect(c.heard).not.toContain('Hier ist Lea von');
      }
      // The consent of either group is recorded against the wording the caller heard.
      expect(gw.report(c.callSid).events.map((e) => e.type)).toContain('granted');
    }
    // 24 fair coin flips: all on one side has probability 2 * 2^-24.
    expect(seen.base).toBeGreaterThan(0);
    expect(seen.b).toBeGreaterThan(0);
  } finally {
    await gw.close();
  }
});

test('a variant that drops the AI disclosure never plays, and its version cannot be approved', async () => {
  variant({ disclosure: 'Guten Tag und willkommen bei {{company}}.' });
  const gw = await gateway();
  try {
    expect(gw.notices.current()?.gate.join('\n')).toMatch(
      /de\/variants\/b: .*drops the mandatory element "ai_disclosure"/,
    );
    for (let i = 0; i < 8; i += 1) {
      const c = await call(gw);
      expect(c.heard).toContain('künstlichen Intelligenz');
      expect(started(gw, c.callSid).variant).toBeUndefined();
    }
    await new UserStore(gw.runtime.ledger).add('dpo@example.com', 'dpo', 'a long dpo password 1');
    expect(() =>
      approveNoticeVersion(gw.runtime.ledger, gw.notices.filesVersion(), 'dpo@example.com', new Date()),
    ).toThrow(NoticeApprovalError);
    expect(() =>
      approveNoticeVersion(gw.runtime.ledger, gw.notices.filesVersion(), 'dpo@example.com', new Date()),
    ).toThrow(/fails the compliance gate: .*ai_disclosure/);
  } finally {
    await gw.close();
  }
});

test('a variant is part of the notice version: in production it plays only once signed off', async () => {
  const gw0 = await gateway({ NOTICE_DRAFTS: 'refuse', NOTICE_FIRST_VERSION: 'closed' });
  await new UserStore(gw0.runtime.ledger).add('dpo@example.com', 'dpo', 'a long dpo password 1');
  approveNoticeVersion(gw0.runtime.ledger, gw0.notices.filesVersion(), 'dpo@example.com', new Date());
  const before = gw0.notices.filesVersion();
  await gw0.close();

  variant({ disclosure: VARIANT_B });
  const gw = await gateway({ NOTICE_DRAFTS: 'refuse' });
  try {
    expect(gw.notices.status()).toMatchObject({ mode: 'live', playing: before });
    for (let i = 0; i < 6; i += 1) expect((await call(gw)).heard).not.toContain('Hier ist Lea von');
    approveNoticeVersion(gw.runtime.ledger, gw.notices.filesVersion(), 'dpo@example.com', new Date());
    gw.notices.refresh();
    let b = 0;
    for (let i = 0; i < 16; i += 1) if ((await call(gw)).heard.includes('Hier ist Lea von')) b += 1;
    expect(b).toBeGreaterThan(0);
  } finally {
    await gw.close();
  }
});
