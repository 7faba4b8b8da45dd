import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser';
import { checkPage } from './axe';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 30_000);
afterAll(async () => browser?.close());

test('The page check names serious accessibility violations and sideways scrolling, and keeps screenshots at both widths', async () => {
  const page = await browser.newPage();
  await page.setContent(
    '<!doctype html><html lang="en"><head><title>bad</title></head><body><main><img src="x.png"><div style="width:1500px">wide</div></main></body></html>',
  );
  const problems = await checkPage(page, 'axe-helper-bad');
  expect(problems.some((p) => p.startsWith('critical: image-alt'))).toBe(true);
  expect(problems).toContainEqual(expect.stringMatching(/^scrolls sideways at 1366 px/));
  expect(problems).toContainEqual(expect.stringMatching(/^scrolls sideways at 820 px/));
  await page.close();
}, 30_000);

test('A clean page under a no-script CSP passes the check, and its screenshots are kept', async () => {
  const page = await browser.newPage();
  // The portal's CSP forbids every script; the check must still run on the page as users get it.
  await page.route('http://desk.test/', (route) =>
    route.fulfill({
      contentType: 'text/html',
      headers: { 'Content-Security-Policy': "default-src 'none'" },
      body: '<!doctype html><html lang="en"><head><title>fine</title></head><body><main><h1>Fine</h1><p>Text.</p></main></body></html>',
    }),
  );
  await page.goto('http://desk.test/');
  expect(await checkPage(page, 'axe-helper-clean')).toEqual([]);
  for (const w of [1366, 820])
    expect(fs.existsSync(`${__dirname}/../../test-artifacts/screenshots/axe-helper-clean-${w}.png`)).toBe(
      true,
    );
  await page.close();
}, 30_000);
