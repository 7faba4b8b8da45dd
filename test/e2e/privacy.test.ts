import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { certificateSigningKey, verifyCertificate } from '../../src/lifecycle/certificate';
import { ACCOUNT_SID, AUTH_TOKEN, startGateway, type Gateway } from '../support/gateway';

let gw: Gateway;
let browser: Browser;

beforeAll(async () => {
  gw = await startGateway();
  browser = await launchChromium();
}, 30_000);
afterAll(async () => {
  await browser?.close();
  await gw?.close();
});

/** What the caller's phone received, read through Twilio's Messages API as anyone would. */
async function lastCodeSentTo(to: string): Promise<string> {
  const res = await fetch(
    `${gw.emulator.apiBase}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json?To=${encodeURIComponent(to)}`,
    { headers: { authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}` } },
  );
  const { messages } = (await res.json()) as { messages: Array<{ body: string }> };
  const code = /\b(\d{6})\b/.exec(messages[0]?.body ?? '')?.[1];
  if (!code) throw new Error(`no code was sent to ${to}`);
  return code;
}

test('A caller asks for a code on their phone, withdraws one purpose, sees the certificate and what is kept', async () => {
  const from = `+49151${crypto.randomInt(1e6, 1e7)}`;
  const call = gw.emulator.placeCall({ from, to: '+4930123456', fromCountry: 'DE', recordingSeconds: 20 });
  await call.start();
  for (const k of ['1', '1', '1']) await call.press(k);
  await gw.emulator.settle();
  await gw.runJobs();
  const consentId = gw.report(call.callSid).consentId!;

  const context = await browser.newContext({
    acceptDownloads: true,
    locale: 'en-GB',
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
  const page = await context.newPage();
  await page.goto(`${gw.url}/privacy`);
  expect(await page.getAttribute('html', 'lang')).toBe('en');
  await page.getByRole('link', { name: 'Withdraw consent or see your data' }).click();
  await page.getByLabel('Your phone number').fill(from);
  await page.getByRole('button', { name: 'Send code' }).click();
  await page.getByLabel('Code from the SMS').waitFor();

  await gw.runJobs();
  const code = await lastCodeSentTo(from);
  await page.getByLabel('Code from the SMS').fill(code);
  await page.getByLabel('improving the AI').check();
  await page.getByRole('button', { name: 'Withdraw', exact: true }).click();
  const reference = /WDR-\d{8}-[0-9A-F]{8}/.exec((await page.locator('#reference').textContent()) ?? '')?.[0];
  expect(reference).toBeDefined();

  // The ledger: one purpose ended, the rest of the consent (and its clip) stands.
  const consent = gw.runtime.ledger.getConsent(consentId)!;
  expect(JSON.parse(consent.purposes)).toEqual({ call: true, ai_training: false, personalization: true });
  expect(consent.status).toBe('active');
  expect(gw.report(call.callSid).clip.status).toBe('stored');

  gw.runtime.ledger.db.prepare("UPDATE jobs SET run_at = 0 WHERE status = 'pending'").run();
  await gw.runJobs();
  await page.getByRole('link', { name: `Deletion certificate for consent ${consentId}` }).click();
  expect(await page.locator('#certificate-status').textContent()).toBe('complete');
  await expect(page.getByRole('cell', { name: 'purpose ai_training' }).count()).resolves.toBe(1);
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download the signed certificate (JSON)' }).click();
  const cert = JSON.parse(fs.readFileSync((await (await download).path())!, 'utf8'));
  expect(cert).toMatchObject({ consentId, reason: 'withdrawn', status: 'complete', reference });
  expect(verifyCertificate(cert, certificateSigningKey(gw.runtime.ledger).publicKeyPem)).toBe(true);
  expect(JSON.stringify(cert)).not.toContain(from.slice(3));

  // The code opened a session for its ten minutes: the access page needs no second SMS.
  await page.goto(`${gw.url}/privacy/access?lng=en`);
  const row = page.getByRole('row', { name: new RegExp(consentId) });
  await expect(row.textContent()).resolves.toMatch(/improving the AI: refused/);
  await expect(row.textContent()).resolves.toMatch(/stored, encrypted/);
  const json = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download as JSON' }).click();
  const data = JSON.parse(fs.readFileSync((await (await json).path())!, 'utf8'));
  expect(data.consents[0]).toMatchObject({ consentId, clip: 'stored', status: 'active' });
  expect(Date.parse(data.consents[0].plannedDeletion)).toBeGreaterThan(Date.now());
  await context.close();
}, 60_000);

test.each([
  ['with a dash', (c: string) => `${c.slice(0, 3)}-${c.slice(3)}`],
  [
    'in a phone keyboard\u2019s fullwidth digits, grouped with spaces around',
    (c: string) =>
      ` ${c.slice(0, 3)} ${c.slice(3)} `.replace(/\d/g, (d) => String.fromCodePoint(0xff10 + Number(d))),
  ],
  ['in groups with a dot', (c: string) => `${c.slice(0, 3)}.${c.slice(3)}`],
  [
    'as the whole SMS pasted in',
    (c: string) => `${c} is your code for the privacy page. It is valid for 10 minutes.`,
  ],
])(
  'A caller enters the code from the SMS %s: the browser submits it and it withdraws',
  async (_how, written) => {
    const from = `+49151${crypto.randomInt(1e6, 1e7)}`;
    const call = gw.emulator.placeCall({ from, to: '+4930123456', fromCountry: 'DE', recordingSeconds: 20 });
    await call.start();
    for (const k of ['1', '1', '1']) await call.press(k);
    await gw.emulator.settle();
    await gw.runJobs();
    const consentId = gw.report(call.callSid).consentId!;

    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${gw.url}/privacy/withdraw`);
    await page.getByLabel('Your phone number').fill(from);
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByLabel('Code from the SMS').waitFor();
    await gw.runJobs();
    await page.getByLabel('Code from the SMS').fill(written(await lastCodeSentTo(from)));
    await page.getByRole('button', { name: 'Withdraw', exact: true }).click();
    await page.locator('#reference').waitFor({ timeout: 5_000 });
    expect(gw.runtime.ledger.getConsent(consentId)?.status).toBe('withdrawn');
    await context.close();
  },
  60_000,
);
