import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, signInToPortal, submitPortalLogin } from '../support/browser';
import { checkPage } from '../support/axe';
import {
  addUser,
  Client,
  seedConsent,
  startPortal,
  type Portal,
  type TestUser,
} from '../integration/audit-support';

let portal: Portal;
let browser: Browser;
let zipFile: string;
let consentId: string;

beforeAll(async () => {
  portal = await startPortal({ AUDIT_FOUR_EYES: 'true' });
  const seeded = await seedConsent(portal.rt, { withClip: true });
  consentId = seeded.consentId;
  const auditor = await addUser(portal, 'auditor');
  const client = new Client(portal.url);
  await client.login(auditor);
  await client.statReason();
  // The export without audio (four-eyes holds the clip back): still signed, still checkable.
  const zip = Buffer.from(await (await client.get(`/audit/consents/${consentId}/export`)).arrayBuffer());
  zipFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'verify-e2e-')), 'evidence.zip');
  fs.writeFileSync(zipFile, zip);
  browser = await launchChromium();
}, 30_000);
afterAll(async () => {
  await browser?.close();
  await portal?.close();
});

async function signIn(page: Page, u: TestUser): Promise<void> {
  await signInToPortal(page, portal.url, u);
}

test('Without an account, a person uploads an export on /audit/verify and reads each check; a broken file is refused in words', async () => {
  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto(`${portal.url}/audit/login`);
  await page.getByRole('link', { name: /Check an evidence export/ }).click();
  await page.waitForURL(/\/audit\/verify$/);
  expect(await checkPage(page, 'verify-empty')).toEqual([]);
  await page.getByLabel('Evidence ZIP or deletion certificate (JSON)').setInputFiles(zipFile);
  await page.getByRole('button', { name: 'Check the file' }).click();
  await page.waitForSelector('#verdict');
  expect(await page.textContent('#verdict')).toContain(`Valid: the evidence of consent ${consentId}`);
  expect(await page.locator('#checks tbody tr').count()).toBeGreaterThan(6);
  expect(await checkPage(page, 'verify-valid')).toEqual([]);
  await page.getByLabel('Evidence ZIP or deletion certificate (JSON)').setInputFiles({
    name: 'evidence.zip',
    mimeType: 'application/zip',
    buffer: Buffer.from('PK\x03\x04 not really a zip', 'latin1'),
  });
  await page.getByRole('button', { name: 'Check the file' }).click();
  await page.waitForSelector('#verify-refused');
  expect(await page.textContent('#verify-refused')).toMatch(/This ZIP cannot be checked/);
  expect(await checkPage(page, 'verify-refused')).toEqual([]);
  const [pem] = await Promise.all([page.waitForEvent('download'), page.click('#all-keys')]);
  expect(fs.readFileSync((await pem.path()) ?? '', 'utf8')).toMatch(/^# consent-token/);
  await context.close();
}, 60_000);

test('A locked account with the right password and code is told until when; the e-mail stays in the form', async () => {
  const user = await addUser(portal, 'auditor');
  for (let i = 0; i < 5; i++)
    await new Client(portal.url).attemptLogin(user.email, 'wrong-password!', '123456');
  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  await submitPortalLogin(page, portal.url, user);
  await page.waitForSelector('#login-error');
  expect(await page.textContent('#login-error')).toMatch(/locked until/);
  expect(await page.getByLabel('E-mail').inputValue()).toBe(user.email);
  expect(await checkPage(page, 'login-locked')).toEqual([]);
  await context.close();
}, 60_000);

test('Four-eyes in the browser: the requester sees the request pending; the second auditor rejects it with a reason', async () => {
  const requester = await addUser(portal, 'auditor');
  const second = await addUser(portal, 'auditor');
  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  await signIn(page, requester);
  await page.goto(`${portal.url}/audit/reason`);
  await page.getByLabel('Reason for this access').fill('Complaint by the caller, ticket 7');
  await page.getByRole('button', { name: 'Save reason' }).click();
  await page.goto(`${portal.url}/audit/consents/${consentId}`);
  await page.getByRole('button', { name: 'Request approval to play the recording' }).click();
  await page.waitForSelector('#approval-state');
  expect(await page.textContent('#approval-state')).toMatch(/is pending/);
  expect(
    await page
      .getByRole('navigation', { name: 'main' })
      .getByRole('link', { name: /Approvals/ })
      .count(),
  ).toBe(1);

  const other = await (await browser.newContext({ locale: 'en-GB' })).newPage();
  await signIn(other, second);
  await other.goto(`${portal.url}/audit/approvals`);
  expect(await other.locator('#approvals-awaiting th').count()).toBe(5);
  expect(await checkPage(other, 'approvals-awaiting')).toEqual([]);
  await other.getByLabel('Why you reject it').first().fill('The ticket does not name this call.');
  await other
    .getByRole('button', { name: `Reject ${consentId}` })
    .first()
    .click();
  await other.waitForURL(/\/audit\/approvals$/);

  await page.goto(`${portal.url}/audit/approvals`);
  expect(await page.locator('#approvals-mine tr[data-status="rejected"]').count()).toBeGreaterThan(0);
  expect(await page.textContent('#approvals-mine')).toContain('The ticket does not name this call.');
  expect(await checkPage(page, 'approvals-mine')).toEqual([]);
  await context.close();
}, 90_000);
