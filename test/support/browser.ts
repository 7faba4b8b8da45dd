/**
 * Headless Chromium as every browser test runs it, and the auditor portal's sign-in as a person
 * does it (e-mail, password, one-time code), so the browser tests share one way of doing both.
 */
import { authenticator } from 'otplib';
import { chromium, type Browser, type Page } from 'playwright-core';

/** The machine's Chromium without a window, a sandbox or traffic of its own (QUIC, updates, sync). */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extraArgs] });
}

export interface PortalLogin {
  email: string;
  password: string;
  /** The TOTP secret; the code typed is its current one unless a test gives another. */
  secret: string;
}

/** Opens /audit/login, fills in the form and presses Sign in, whatever the portal answers. */
export async function submitPortalLogin(
  page: Page,
  portalUrl: string,
  login: PortalLogin,
  code = authenticator.generate(login.secret),
): Promise<void> {
  await page.goto(`${portalUrl}/audit/login`);
  await page.getByLabel('E-mail').fill(login.email);
  await page.getByLabel('Password').fill(login.password);
  await page.getByLabel('One-time code').fill(code);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Signs in and waits for the portal's start page. */
export async function signInToPortal(
  page: Page,
  portalUrl: string,
  login: PortalLogin,
  code?: string,
): Promise<void> {
  await submitPortalLogin(page, portalUrl, login, code);
  await page.waitForURL(/\/audit\/$/);
}
