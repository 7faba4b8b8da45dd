import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { launchChromium, signInToPortal } from '../support/browser';
import { authenticator } from 'otplib';
import { verifyEvidenceZip } from '../../src/audit/verify-export';
import {
  addUser,
  seedConsent,
  startPortal,
  testMp3,
  type Portal,
  type Seeded,
  type TestUser,
} from '../integration/audit-support';

let portal: Portal;
let browser: Browser;
let auditor: TestUser;
let seeded: Seeded;

beforeAll(async () => {
  portal = await startPortal();
  seeded = await seedConsent(portal.rt, { withClip: true });
  auditor = await addUser(portal, 'auditor');
  browser = await launchChromium([
    // play() from the test is not a user gesture; without this, Chromium would refuse it.
    '--autoplay-policy=no-user-gesture-required',
  ]);
}, 30_000);
afterAll(async () => {
  await browser?.close();
  await portal?.close();
});

test('An auditor signs in with TOTP, states a reason, finds a consent, plays its clip and exports verified evidence', async () => {
  const context = await browser.newContext({ acceptDownloads: true, locale: 'en-GB' });
  const page = await context.newPage();
  await signInToPortal(page, portal.url, auditor);
  const publicKey = (await page.locator('#public-key').textContent()) ?? '';
  expect(publicKey).toMatch(/BEGIN PUBLIC KEY/);

  await page.getByRole('link', { name: 'Search consents' }).first().click();
  await page.waitForURL(/\/audit\/reason/);
  await page.getByLabel('Reason for this access').fill('Data subject access request, case 2026-0042');
  await page.getByRole('button', { name: 'Save reason' }).click();
  await page.waitForURL(/\/audit\/consents/);

  await page.getByLabel('Caller number').fill(seeded.from);
  await page.keyboard.press('Enter');
  await page.getByRole('link', { name: seeded.consentId }).click();
  await page.waitForURL(new RegExp(seeded.consentId));
  expect(await page.textContent('main')).toContain(seeded.transcript);

  // Opening the page is a view: the player fetches nothing until play is pressed.
  await page.waitForLoadState('networkidle');
  const actions = (): string[] =>
    portal.rt.ledger.db
      .prepare('SELECT type FROM access_log WHERE consent_id = ? ORDER BY seq')
      .pluck()
      .all(seeded.consentId) as string[];
  expect(actions()).toContain('view_consent');
  expect(actions()).not.toContain('play_clip');

  // Strings, because the test compiles without the DOM library; they run inside the page.
  await page.evaluate(`document.querySelector('audio').play()`);
  const duration = await page.waitForFunction(
    `(() => { const a = document.querySelector('audio'); return a && Number.isFinite(a.duration) && a.duration > 0 ? a.duration : null; })()`,
    undefined,
    { timeout: 15_000 },
  );
  expect(await duration.jsonValue()).toBeGreaterThan(2);
  expect(actions()).toContain('play_clip');

  const [clipDownload] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  expect(fs.readFileSync(await clipDownload.path()).equals(testMp3())).toBe(true);

  const [zipDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const verdict = await verifyEvidenceZip(
    fs.readFileSync(await zipDownload.path()),
    portal.rt.ledger.signingKeys.publicKeys(),
  );
  expect(verdict).toMatchObject({ ok: true, consentId: seeded.consentId, problems: [] });
  expect(verdict.files).toContain('clip.mp3');
  await context.close();
}, 45_000);

test('An admin invites an auditor by link; the auditor sets their own password and TOTP in the browser and signs in', async () => {
  const admin = await addUser(portal, 'admin');
  const adminContext = await browser.newContext({ locale: 'en-GB' });
  const adminPage = await adminContext.newPage();
  await signInToPortal(adminPage, portal.url, admin);
  await adminPage.getByRole('link', { name: 'Users' }).first().click();
  await adminPage.locator('#email').fill('invited.auditor@example.com');
  await adminPage.locator('#role').selectOption('auditor');
  await adminPage.getByRole('button', { name: 'Add user' }).click();
  const link = ((await adminPage.locator('#enrol-link').textContent()) ?? '').trim();
  expect(link).toContain('/audit/enrol/');
  // The admin's page holds a link, never a secret or a password.
  expect(await adminPage.content()).not.toMatch(/otpauth|secret=/);
  await adminContext.close();

  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto(link);
  const otpauth = (await page.locator('details pre').textContent()) ?? '';
  const secret = new URL(otpauth).searchParams.get('secret') ?? '';
  await page.getByLabel('Password', { exact: true }).fill('my very own passphrase');
  await page.getByLabel('Password again').fill('my very own passphrase');
  await page.getByLabel('One-time code').fill(authenticator.generate(secret));
  await page.getByRole('button', { name: 'Set up your account' }).click();
  await page.getByText('Your account is ready').waitFor();

  // The code typed at enrolment is spent: the app's next one signs in.
  await signInToPortal(
    page,
    portal.url,
    { email: 'invited.auditor@example.com', password: 'my very own passphrase', secret },
    authenticator.clone({ epoch: Date.now() + 30_000 }).generate(secret),
  );
  expect(await page.locator('#account-changes').textContent()).toContain('invited.auditor@example.com');
  await context.close();
}, 45_000);
