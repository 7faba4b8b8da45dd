/**
 * The data-protection officer signs off what callers hear in the portal: each draft is shown word
 * by word against the live version, language by language, with an approve button; texts are read
 * again with a button (a broken file keeps the old ones and says why). Ops may reload but never
 * approve. Headless Chromium against the real app.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, signInToPortal } from '../support/browser';
import { addUser, startPortal, type Portal, type TestUser } from '../integration/audit-support';
import { LOCALES } from '../support/shipped-locales';

jest.setTimeout(120_000);

let portal: Portal;
let browser: Browser;
let dpo: TestUser;
let ops: TestUser;
let auditor: TestUser;
let operatorFile: string;

const writeCompany = (company: string): void => fs.writeFileSync(operatorFile, JSON.stringify({ company }));

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-e2e-'));
  operatorFile = path.join(dir, 'gateway.json');
  writeCompany('Alpha Versand GmbH');
  portal = await startPortal({
    GATEWAY_CONFIG: operatorFile,
    NOTICE_DRAFTS: 'refuse',
    NOTICE_FIRST_VERSION: 'closed',
  });
  dpo = await addUser(portal, 'dpo');
  ops = await addUser(portal, 'ops');
  auditor = await addUser(portal, 'auditor');
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await portal?.close();
});

/** One session per user: a TOTP code is accepted once, so a second sign-in would wait 30 s. */
const sessions = new Map<string, Page>();
async function signIn(user: TestUser): Promise<Page> {
  const open = sessions.get(user.email);
  if (open) return open;
  const page = await (await browser.newContext({ locale: 'en-GB' })).newPage();
  await signInToPortal(page, portal.url, user);
  sessions.set(user.email, page);
  return page;
}

test('a dpo sees each draft word by word against the live version in every language, approves it, and it is what plays', async () => {
  const page = await signIn(dpo);
  await page.getByRole('link', { name: 'Notice sign-off' }).first().click();
  await page.waitForURL(/\/audit\/notices$/);
  // A new installation: nothing approved, so nothing may be played.
  await expect(page.locator('#notice-status').textContent()).resolves.toMatch(/none \(closed\)/);
  const first = portal.notices.status().files;
  await page.getByRole('button', { name: `Approve this version ${first.slice(0, 12)}` }).click();
  await page.waitForURL(/\/audit\/notices$/);
  await expect(page.locator('#notice-status').textContent()).resolves.toContain(
    `${first.slice(0, 12)} (approved)`,
  );
  expect(portal.notices.status()).toMatchObject({ mode: 'approved', playing: first });

  // The operator edits the company's name and a reload reads it: a draft, the live one plays on.
  writeCompany('Beta Logistik GmbH');
  await page.getByRole('button', { name: 'Read the texts again' }).click();
  await page.waitForURL(/\/audit\/notices$/);
  const draft = portal.notices.status().files;
  expect(draft).not.toBe(first);
  expect(portal.notices.status()).toMatchObject({ mode: 'live', playing: first });
  const section = page.locator('section.draft', { has: page.locator(`#v-${draft}`) });
  for (const lng of LOCALES) await expect(section.locator(`h4[lang="${lng}"]`).count()).resolves.toBe(1);
  const removed = await section.locator('del').allTextContents();
  const added = await section.locator('ins').allTextContents();
  expect(removed.join(' ')).toMatch(/Alpha Versand/);
  expect(added.join(' ')).toMatch(/Beta Logistik/);
  expect(added.join(' ')).not.toMatch(/Alpha/);

  await section.getByRole('button', { name: /Approve this version/ }).click();
  await page.waitForURL(/\/audit\/notices$/);
  expect(portal.notices.status()).toMatchObject({ mode: 'approved', playing: draft });
  const approval = portal.rt.ledger.db
    .prepare("SELECT data FROM events WHERE type = 'notice_approved' ORDER BY seq DESC LIMIT 1")
    .get() as { data: string };
  expect(JSON.parse(approval.data)).toMatchObject({ version: draft, by: dpo.email, role: 'dpo' });
});

test('a broken operator file keeps the old texts playing and the page says why', async () => {
  const page = await signIn(dpo);
  await page.goto(`${portal.url}/audit/notices`);
  const before = portal.notices.status();
  fs.writeFileSync(operatorFile, '{ "company": "Gamma", ');
  await page.getByRole('button', { name: 'Read the texts again' }).click();
  await page.waitForURL(/\/audit\/notices$/);
  await expect(page.locator('#reload-result').textContent()).resolves.toMatch(/refused/);
  await expect(page.locator('main').textContent()).resolves.toMatch(/GATEWAY_CONFIG/);
  expect(portal.notices.status()).toMatchObject({ playing: before.playing, files: before.files });
  writeCompany('Beta Logistik GmbH');
});

test('ops may reload texts but not approve (no button, and a forged request is refused); an auditor does not see the page', async () => {
  writeCompany('Delta Dienste GmbH');
  const page = await signIn(ops);
  await page.goto(`${portal.url}/audit/notices`);
  await page.getByRole('button', { name: 'Read the texts again' }).click();
  await page.waitForURL(/\/audit\/notices$/);
  const draft = portal.notices.status().files;
  expect(portal.notices.status().playing).not.toBe(draft);
  await expect(page.getByRole('button', { name: /Approve this version/ }).count()).resolves.toBe(0);
  await expect(page.locator('main').textContent()).resolves.toMatch(/Your role cannot approve/);
  const csrf = (await page.locator('input[name=csrf]').first().getAttribute('value')) ?? '';
  const forged = await page.request.post(`${portal.url}/audit/notices/${draft}/approve`, {
    form: { csrf },
  });
  expect(forged.status()).toBe(403);
  expect(portal.notices.status().playing).not.toBe(draft);

  const other = await signIn(auditor);
  const res = await other.goto(`${portal.url}/audit/notices`);
  expect(res?.status()).toBe(403);
});
