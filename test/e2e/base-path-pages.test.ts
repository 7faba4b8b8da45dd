import crypto from 'node:crypto';
import type { Browser } from 'playwright-core';
import { UserStore } from '../../src/audit/users';
import { launchChromium, signInToPortal, type PortalLogin } from '../support/browser';
import { ACCOUNT_SID, AUTH_TOKEN, startGateway, type Gateway } from '../support/gateway';
import { startPathProxy, type PathProxy } from '../support/path-proxy';

/**
 * PUBLIC_BASE_URL with a path (`http://host/ivr`): the browser reaches the service only under
 * that path, through a proxy that passes the path on or strips it. Every link, form, redirect and
 * cookie of the caller's and the auditor's pages must stay under it, and the SMS receipt must
 * send the caller there.
 */
let gw: Gateway;
let proxy: PathProxy;
let browser: Browser;

beforeAll(async () => {
  let upstream = '';
  proxy = await startPathProxy('/ivr', () => upstream);
  gw = await startGateway(
    { PUBLIC_BASE_URL: proxy.url, RECEIPT_SMS: 'true' },
    { basePath: '/ivr', portal: true },
  );
  upstream = gw.url;
  // Twilio calls the public URL too, so every webhook also crosses the proxy.
  gw.emulator.options.appBaseUrl = proxy.url;
  browser = await launchChromium();
}, 30_000);
afterAll(async () => {
  await browser?.close();
  await gw?.close();
  await proxy?.close();
});
beforeEach(() => {
  proxy.outside.length = 0;
});

/** The bodies of the SMS sent to a number, newest first, read through Twilio's Messages API. */
async function smsTo(to: string): Promise<string[]> {
  const res = await fetch(
    `${gw.emulator.apiBase}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json?To=${encodeURIComponent(to)}`,
    { headers: { authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}` } },
  );
  return ((await res.json()) as { messages: Array<{ body: string }> }).messages.map((m) => m.body);
}

/** A new auditor each time: a one-time code signs in once, and both tests may share its 30 s. */
async function newAuditor(): Promise<PortalLogin> {
  const password = `pw-${crypto.randomBytes(8).toString('hex')}`;
  const email = `auditor-${crypto.randomBytes(3).toString('hex')}@example.com`;
  const { otpauth } = await new UserStore(gw.runtime.ledger).add(email, 'auditor', password);
  return { email, password, secret: new URL(otpauth).searchParams.get('secret') ?? '' };
}

async function consentingCall(): Promise<{ from: string; consentId: string }> {
  const from = `+49151${crypto.randomInt(1e7, 1e8)}`;
  const call = gw.emulator.placeCall({ from, to: '+4930123456', fromCountry: 'DE' });
  await call.start();
  for (const k of ['1', '1', '1']) await call.press(k);
  await call.hangup();
  await gw.emulator.settle();
  await gw.runJobs();
  const consentId = gw.report(call.callSid).consentId;
  if (!consentId) throw new Error('the call did not consent');
  return { from, consentId };
}

describe.each([
  ['passes the path on', false],
  ['strips the path', true],
])('behind a proxy that %s', (_name, strip) => {
  beforeEach(() => {
    proxy.strip = strip;
  });

  test('a caller follows the receipt link, switches language and withdraws, never leaving the path', async () => {
    const { from, consentId } = await consentingCall();
    const receipt = (await smsTo(from)).find((b) => b.includes(consentId)) ?? '';
    const link = /https?:\/\/\S+/.exec(receipt)?.[0] ?? '';
    expect(link.startsWith(`${proxy.url}/privacy`)).toBe(true);

    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(link);
    // The receipt links in the call's language.
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    await page.getByRole('link', { name: 'English', exact: true }).click();
    await page.getByRole('link', { name: 'Withdraw consent or see your data' }).click();
    await page.getByRole('link', { name: 'Deutsch', exact: true }).click();
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    await page.getByRole('link', { name: 'English', exact: true }).click();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.getByLabel('Your phone number').fill(from);
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByLabel('Code from the SMS').waitFor();
    await gw.runJobs();
    const code = (await smsTo(from)).map((b) => /\b(\d{6})\b/.exec(b)?.[1]).find(Boolean) ?? '';
    await page.getByLabel('Code from the SMS').fill(code);
    await page.getByRole('button', { name: 'Withdraw', exact: true }).click();
    expect(await page.locator('#reference').textContent()).toMatch(/WDR-\d{8}-[0-9A-F]{8}/);
    // The code's session cookie is sent under the path: the access page needs no second SMS.
    await page.getByRole('link', { name: 'Show what is kept' }).click();
    await expect(page.getByRole('row', { name: new RegExp(consentId) }).count()).resolves.toBe(1);

    expect(page.url().startsWith(`${proxy.url}/privacy`)).toBe(true);
    expect(gw.runtime.ledger.getConsent(consentId)?.status).toBe('withdrawn');
    expect(proxy.outside).toEqual([]);
    await context.close();
  }, 60_000);

  test('an auditor signs in, states a reason, finds a consent and opens it, never leaving the path', async () => {
    const { from, consentId } = await consentingCall();
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await signInToPortal(page, proxy.url, await newAuditor());
    await page.getByRole('link', { name: 'Search consents' }).first().click();
    await page.waitForURL(/\/ivr\/audit\/reason/);
    await page.getByLabel('Reason for this access').fill('Data subject access request, case 2026-0042');
    await page.getByRole('button', { name: 'Save reason' }).click();
    await page.waitForURL(/\/ivr\/audit\/consents/);
    await page.getByLabel('Caller number').fill(from);
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: consentId }).click();
    await page.waitForURL(new RegExp(`/ivr/audit/consents/${consentId}`));
    expect(await page.textContent('main')).toContain(consentId);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/ivr\/audit\/login/);

    expect(proxy.outside).toEqual([]);
    await context.close();
  }, 60_000);
});
