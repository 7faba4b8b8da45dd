/**
 * What callers hear is signed off before it plays. With NOTICE_DRAFTS=refuse (production's only
 * setting) a changed text is a draft and the live (last approved) version keeps playing, rebuilt
 * from its stored source, across a restart too; a new ledger's first texts are live, approved by
 * the first start; with NOTICE_FIRST_VERSION=closed and no approved version at all a caller hears
 * nothing and goes straight to a human, unrecorded. Development plays drafts and /healthz says so.
 * Driven through the Twilio emulator.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { approveNoticeVersion } from '../../src/audit/notices';
import { UserStore } from '../../src/audit/users';
import { FIRST_START_APPROVER } from '../../src/notices/first-version';
import { startGateway, said, type Gateway } from '../support/gateway';
import { localeNumbers } from '../support/shipped-locales';

jest.setTimeout(120_000);

const AGENT = '+4930111222';
const FFMPEG = fs.existsSync('/usr/bin/ffmpeg') ? '/usr/bin/ffmpeg' : 'ffmpeg';
const { numberOf, numbers } = localeNumbers();
let dir: string;
let operatorFile: string;
let callers = 0;

const setCompany = (company: string): void =>
  fs.writeFileSync(operatorFile, JSON.stringify({ company, numbers }));

async function call(gw: Gateway): Promise<ReturnType<Gateway['emulator']['placeCall']>> {
  const c = gw.emulator.placeCall({
    from: `+4915300${String(++callers).padStart(6, '0')}`,
    to: numberOf('de'),
    fromCountry: 'DE',
  });
  await c.start();
  return c;
}

async function health(gw: Gateway): Promise<{
  status: string;
  checks: Record<string, string>;
  notice: { mode: string; playing: string | null; files: string };
}> {
  const res = await fetch(`${gw.url}/healthz`);
  expect(res.status).toBe(200);
  return (await res.json()) as never;
}

const gateway = (env: Record<string, string> = {}): Promise<Gateway> =>
  startGateway(
    {
      GATEWAY_CONFIG: operatorFile,
      HUMAN_AGENT_NUMBER: AGENT,
      NOTICE_DRAFTS: 'refuse',
      NOTICE_FIRST_VERSION: 'closed',
      ...env,
    },
    { dir },
  );

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-'));
  operatorFile = path.join(dir, 'gateway.json');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('with nothing approved a caller hears no text at all, is not recorded and goes straight to a human; /healthz says why', async () => {
  setCompany('Alpha Versand GmbH');
  const gw = await gateway();
  try {
    const c = await call(gw);
    expect(c.errors).toEqual([]);
    expect(c.heard.filter((h) => h.verb === 'Say' || h.verb === 'Play')).toEqual([]);
    const dial = c.heard.find((h) => h.verb === 'Dial');
    expect(dial?.number).toBe(AGENT);
    expect(dial?.recording).toBe(false);
    expect([...gw.emulator.recordings.values()].filter((r) => r.callSid === c.callSid)).toEqual([]);
    const report = gw.report(c.callSid);
    expect(report.routedTo).toBe('human');
    expect(report.consentId).toBeNull();
    expect(report.events.map((e) => e.type)).toEqual(expect.arrayContaining(['fail_safe', 'handover']));

    const h = await health(gw);
    expect(h.status).toBe('degraded');
    expect(h.notice.mode).toBe('closed');
    expect(h.checks.notice).toMatch(/no notice version has been approved yet.*straight to a human/);
  } finally {
    await gw.close();
  }
});

test('a new production ledger plays the texts it starts with, recorded as approved by the first start; the next edit waits for a person', async () => {
  setCompany('Alpha Versand GmbH');
  const gw = await gateway({ NOTICE_FIRST_VERSION: '' });
  try {
    const alpha = gw.notices.filesVersion();
    expect((await health(gw)).notice).toMatchObject({ mode: 'approved', playing: alpha });
    const first = await call(gw);
    expect(said(first.heard)).toContain('Alpha Versand GmbH');
    expect(first.isRecording()).toBe(true);
    const approvals = gw.runtime.ledger.db
      .prepare("SELECT data FROM events WHERE type = 'notice_approved'")
      .all() as Array<{ data: string }>;
    expect(approvals.map((a) => JSON.parse(a.data) as Record<string, string>)).toEqual([
      expect.objectContaining({ version: alpha, by: FIRST_START_APPROVER, role: 'first_start' }),
    ]);
    await first.hangup();

    setCompany('Beta Logistik GmbH');
    expect(gw.notices.reload().ok).toBe(true);
    const during = await call(gw);
    expect(said(during.heard)).toContain('Alpha Versand GmbH');
    expect(said(during.heard)).not.toContain('Beta');
    expect((await health(gw)).notice).toMatchObject({ mode: 'live', playing: alpha });
    await during.hangup();
  } finally {
    await gw.close();
  }
});

test('a draft waits while the live version plays (after a restart too); once a dpo signs it off it plays without a restart', async () => {
  setCompany('Alpha Versand GmbH');
  let gw = await gateway();
  await new UserStore(gw.runtime.ledger).add('dpo@example.com', 'dpo', 'a long dpo password 1');
  const alpha = gw.notices.filesVersion();
  approveNoticeVersion(gw.runtime.ledger, alpha, 'dpo@example.com', new Date());
  expect((await health(gw)).notice).toMatchObject({ mode: 'approved', playing: alpha });
  const first = await call(gw);
  expect(said(first.heard)).toContain('Alpha Versand GmbH');
  expect(first.isRecording()).toBe(true);

  // The operator edits a text: the service reads it (as SIGHUP does) and keeps playing Alpha.
  setCompany('Beta Logistik GmbH');
  const reload = gw.notices.reload();
  expect(reload.ok).toBe(true);
  const beta = gw.notices.filesVersion();
  expect(beta).not.toBe(alpha);
  const during = await call(gw);
  expect(said(during.heard)).toContain('Alpha Versand GmbH');
  expect(said(during.heard)).not.toContain('Beta');
  const started = gw.runtime.ledger.db
    .prepare("SELECT data FROM events WHERE type = 'call_started' AND call_sid = ?")
    .get(during.callSid) as { data: string };
  expect(JSON.parse(started.data)).toMatchObject({ noticeVersion: alpha });
  const h = await health(gw);
  expect(h.notice).toMatchObject({ mode: 'live', playing: alpha, files: beta });
  expect(h.checks.notice).toMatch(/awaits approval/);
  await during.hangup();
  await first.hangup();

  // A restart on the edited files still plays the approved texts, rebuilt from the ledger.
  await gw.close();
  gw = await gateway();
  try {
    expect(gw.notices.status()).toMatchObject({ mode: 'live', playing: alpha, files: beta });
    const afterRestart = await call(gw);
    expect(said(afterRestart.heard)).toContain('Alpha Versand GmbH');
    await afterRestart.hangup();

    approveNoticeVersion(gw.runtime.ledger, beta, 'dpo@example.com', new Date());
    expect((await health(gw)).notice).toMatchObject({ mode: 'approved', playing: beta });
    const after = await call(gw);
    expect(said(after.heard)).toContain('Beta Logistik GmbH');
    expect(said(after.heard)).not.toContain('Alpha');
  } finally {
    await gw.close();
  }
});

test('in development a draft plays at once, and /healthz says it plays without sign-off', async () => {
  setCompany('Gamma Handel GmbH');
  const gw = await gateway({ NOTICE_DRAFTS: '' });
  try {
    const c = await call(gw);
    expect(said(c.heard)).toContain('Gamma Handel GmbH');
    const h = await health(gw);
    expect(h.notice.mode).toBe('draft');
    expect(h.checks.notice).toMatch(/plays without sign-off \(development/);
    expect(h.status).toBe('ok');
  } finally {
    await gw.close();
  }
});

test('a recording replaced on disk while its version is live still plays as approved, from the copy kept by hash', async () => {
  setCompany('Alpha Versand GmbH');
  const prompts = path.join(dir, 'prompts');
  fs.mkdirSync(path.join(prompts, 'de'), { recursive: true });
  const recording = path.join(prompts, 'de', 'disclosure.wav');
  const tone = (hz: number): void => {
    execFileSync(FFMPEG, [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=${hz}:duration=1`,
      '-ar',
      '8000',
      '-ac',
      '1',
      recording,
    ]);
  };
  tone(440);
  const approved = fs.readFileSync(recording);
  const gw = await startGateway(
    {
      GATEWAY_CONFIG: operatorFile,
      HUMAN_AGENT_NUMBER: AGENT,
      NOTICE_DRAFTS: 'refuse',
      NOTICE_FIRST_VERSION: 'closed',
    },
    { dir, promptsDir: prompts },
  );
  try {
    await new UserStore(gw.runtime.ledger).add('dpo@example.com', 'dpo', 'a long dpo password 1');
    approveNoticeVersion(gw.runtime.ledger, gw.notices.filesVersion(), 'dpo@example.com', new Date());
    gw.notices.refresh();

    tone(880); // the operator drops in a new recording: a draft until signed off
    expect(gw.notices.reload().status.mode).toBe('live');
    const c = await call(gw);
    const play = c.heard.find((h) => h.verb === 'Play');
    const sha = crypto.createHash('sha256').update(approved).digest('hex');
    expect(play?.url).toBe(`${gw.url}/prompts/archive/${sha}.wav`);
    const served = Buffer.from(await (await fetch(play?.url ?? '')).arrayBuffer());
    expect(served.equals(approved)).toBe(true);
    expect(served.equals(fs.readFileSync(recording))).toBe(false);
  } finally {
    await gw.close();
  }
});

test('a reload of a broken locale file keeps the old texts playing and names file:line:column', async () => {
  setCompany('Alpha Versand GmbH');
  const locales = path.join(dir, 'locales');
  fs.cpSync(path.join(__dirname, '../../locales'), locales, { recursive: true });
  const gw = await startGateway(
    { GATEWAY_CONFIG: operatorFile, HUMAN_AGENT_NUMBER: AGENT },
    { dir, localesDir: locales },
  );
  try {
    const before = gw.notices.status();
    const file = path.join(locales, 'de', 'prompts.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"disclosure":', '"disclosure"'));
    const result = gw.notices.reload();
    expect(result.ok).toBe(false);
    expect(result.problems.join('\n')).toMatch(/de\/prompts\.json:\d+:\d+/);
    expect(gw.notices.status()).toMatchObject({ playing: before.playing, files: before.files });
    expect(said((await call(gw)).heard)).toContain('Alpha Versand GmbH');
    const h = await health(gw);
    expect(h.notice).toMatchObject({ reload: { ok: false } });
  } finally {
    await gw.close();
  }
});
