import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, signInToPortal } from '../support/browser';
import { readZip } from '../../src/audit/verify-export';
import { UserStore } from '../../src/audit/users';
import { testMp3 } from '../integration/audit-support';
import { checkPage } from '../support/axe';
import { startDeskPortal, type DeskPortal } from '../support/desk-portal';

/**
 * The auditor's desk in a browser, as a new auditor meets it during an inquiry: calls made through
 * the real webhooks, found by the number as the auditor has it, read as sentences and tables.
 * Every page gets axe-core (0 serious/critical) and screenshots at 1366 and 820 px.
 */
let desk: DeskPortal;
let browser: Browser;
let page: Page;
let promptsDir: string;
const CALLER = '+4915112345678';
const sids: Record<'granted' | 'abandoned' | 'minor', string> = { granted: '', abandoned: '', minor: '' };

beforeAll(async () => {
  // A recorded disclosure: the caller hears the recording, the portal plays it beside its text.
  promptsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-prompts-'));
  fs.mkdirSync(path.join(promptsDir, 'de'));
  fs.writeFileSync(path.join(promptsDir, 'de', 'disclosure.mp3'), testMp3());
  desk = await startDeskPortal({}, { promptsDir });
  // Recording length served by the emulator: long enough for the clip the ledger's offsets cut.
  const place = () =>
    desk.emulator.placeCall({ from: CALLER, to: '+4930123456', fromCountry: 'DE', recordingSeconds: 8 });

  const granted = place();
  await granted.start();
  await granted.say('ja gerne', 0.93);
  await granted.press('2');
  await granted.press('1');
  await desk.emulator.settle();
  await desk.runJobs();
  sids.granted = granted.callSid;

  const abandoned = place();
  await abandoned.start();
  await abandoned.hangup();
  sids.abandoned = abandoned.callSid;

  const minor = place();
  await minor.start();
  await minor.press('7');
  sids.minor = minor.callSid;

  const password = `pw-${crypto.randomBytes(8).toString('hex')}`;
  const { otpauth } = await new UserStore(desk.rt.ledger).add('desk@example.com', 'auditor', password);
  browser = await launchChromium();
  const context = await browser.newContext({ locale: 'en-GB', acceptDownloads: true, timezoneId: 'UTC' });
  page = await context.newPage();
  await signInToPortal(page, desk.url, {
    email: 'desk@example.com',
    password,
    secret: new URL(otpauth).searchParams.get('secret') ?? '',
  });
  await page.goto(`${desk.url}/audit/reason`);
  await page.getByLabel('Reason for this access').fill('Inquiry of the supervisory authority, Az. 2026-17');
  await page.getByRole('button', { name: 'Save reason' }).click();
  await page.waitForURL(/\/audit\/consents/);
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await desk?.close();
  if (promptsDir) fs.rmSync(promptsDir, { recursive: true, force: true });
});

const text = async (selector: string): Promise<string> =>
  (await page.locator(selector).first().textContent()) ?? '';

test('An empty search says what to enter; the reason link has a real name', async () => {
  await page.goto(`${desk.url}/audit/consents`);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('status').filter({ hasText: 'Enter at least one criterion' }).waitFor();
  expect(await page.getByRole('link', { name: 'Change the reason for this access' }).count()).toBe(1);
  expect(await page.content()).not.toContain('✎');
  expect(await checkPage(page, 'desk-search-empty')).toEqual([]);
}, 30_000);

test('A number typed in national format with spaces finds every call of the caller, whatever became of it', async () => {
  await page.goto(`${desk.url}/audit/consents`);
  await page.getByLabel('Caller number').fill('0151 1234 5678');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('heading', { name: /Calls found \(3\)/ }).waitFor();
  const table = await text('table[aria-labelledby="results"]');
  expect(table).toContain('Consent given');
  expect(table).toContain('Hung up before deciding');
  expect(table).toContain('Under the age of consent');
  expect(table).toContain(CALLER);
  // Purposes by the operator's names, not ids.
  expect(table).not.toMatch(/ai_training/);
  expect(await checkPage(page, 'desk-search-results')).toEqual([]);
}, 30_000);

test('The consent page shows the notice as heard, layer by layer, with the recording playable beside its text', async () => {
  const consentId = desk.rt.ledger.getCall(sids.granted)?.consent_id ?? '';
  await page.goto(`${desk.url}/audit/consents/${consentId}`);
  const layers = await page.locator('ol.notice > li h3').allTextContents();
  expect(layers.slice(0, 4)).toEqual([
    'Disclosure (AI and recording)',
    'Question',
    'Age of consent',
    'Information layer',
  ]);
  expect(layers.some((l) => l.startsWith('Purpose question: '))).toBe(true);
  // In the caller's language, marked so for screen readers, with an English translation to open.
  const first = page.locator('ol.notice > li').first();
  expect(await first.locator('p.heard[lang="de"]').textContent()).toMatch(/KI|künstliche/i);
  const audio = first.locator('audio');
  expect(await audio.getAttribute('src')).toBe('/prompts/de/disclosure.mp3');
  const played = await page.request.get(`${desk.url}/prompts/de/disclosure.mp3`);
  expect(Buffer.from(await played.body()).equals(testMp3())).toBe(true);
  await first.locator('summary').click();
  expect(await first.locator('details p[lang="en"]').textContent()).toMatch(/artificial intelligence|AI/);
  expect(await text('p.detail')).toMatch(/Notice version \(SHA-256 of its content\): [0-9a-f]{64}/);
  // Both clip hashes say what they are.
  const main = await text('main');
  expect(main).toContain('SHA-256 of the stored ciphertext');
  expect(main).toContain('SHA-256 of the audio file');
  expect(await checkPage(page, 'desk-consent')).toEqual([]);
}, 30_000);

test('The timeline reads in words and portal time, with a picture, durations, why a yes counted, and the raw events behind a toggle', async () => {
  const consentId = desk.rt.ledger.getCall(sids.granted)?.consent_id ?? '';
  await page.goto(`${desk.url}/audit/consents/${consentId}`);
  const rows = await page.locator('table.timeline-table tbody tr').allTextContents();
  expect(rows.some((r) => r.includes('Disclosure played to the end (de)'))).toBe(true);
  expect(rows.some((r) => /Answered by voice: consent to handling this call/.test(r))).toBe(true);
  expect(rows.some((r) => /Answered 2 by keypad: no consent to /.test(r))).toBe(true);
  expect(rows.some((r) => /Why it counted so: .*yes/.test(r))).toBe(true);
  expect(rows.some((r) => /\+\d+ s/.test(r))).toBe(true);
  // One dot per row, drawn on the server.
  expect(await page.locator('svg.timeline circle').count()).toBe(rows.length);
  expect(await page.locator('script').count()).toBe(0);
  // Berlin time on the page, the UTC instant on hover and in datetime.
  const time = page.locator('table.timeline-table time').first();
  const iso = (await time.getAttribute('datetime')) ?? '';
  const berlin = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Berlin',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));
  expect(await time.textContent()).toBe(berlin);
  expect(await time.getAttribute('title')).toMatch(/UTC$/);
  // Raw event data is there, but closed.
  const raw = page.locator('details', { has: page.locator('summary', { hasText: 'Raw ledger events' }) });
  expect(await raw.getAttribute('open')).toBeNull();
  expect(await raw.locator('pre').isVisible()).toBe(false);
  expect(await raw.locator('pre').textContent()).toContain('"type": "disclosed"');
  // The caller's history names the purpose of each decision.
  const history = await page.locator('h2:has-text("Caller history") + table').textContent();
  expect(history).toMatch(/handling this call/);
}, 30_000);

test('The consent links to its call page and back; a call without a consent has a page of its own', async () => {
  const consentId = desk.rt.ledger.getCall(sids.granted)?.consent_id ?? '';
  await page.goto(`${desk.url}/audit/consents/${consentId}`);
  await page.getByRole('link', { name: /Call page/ }).click();
  await page.waitForURL(new RegExp(`/audit/calls/${sids.granted}`));
  expect(await page.getByRole('link', { name: consentId }).count()).toBeGreaterThan(0);
  expect(await text('#handover')).toContain('assistant');
  expect(await checkPage(page, 'desk-call-granted')).toEqual([]);

  await page.goto(`${desk.url}/audit/calls/${sids.abandoned}`);
  expect(await text('#call-facts')).toContain('Hung up before deciding');
  expect(await text('#no-consent')).toContain('No consent was recorded');
  expect(await page.locator('ol.notice > li h3').first().textContent()).toBe('Disclosure (AI and recording)');
  const abandonedRows = await page.locator('table.timeline-table tbody tr').allTextContents();
  expect(abandonedRows.some((r) => r.includes('Caller hung up before deciding'))).toBe(true);
  expect(await checkPage(page, 'desk-call-abandoned')).toEqual([]);

  await page.goto(`${desk.url}/audit/calls/${sids.minor}`);
  const rows = await page.locator('table.timeline-table tbody tr').allTextContents();
  expect(rows.some((r) => r.includes('under the age of consent'))).toBe(true);
  expect(await text('#handover')).toMatch(/human/);
  expect(await checkPage(page, 'desk-call-minor')).toEqual([]);
}, 45_000);

test('The exported summary.html reads like a printable certificate: heard, answered, when, hashes, verification', async () => {
  const consentId = desk.rt.ledger.getCall(sids.granted)?.consent_id ?? '';
  await page.goto(`${desk.url}/audit/consents/${consentId}`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const files = await readZip(fs.readFileSync(await download.path()));
  const summary = files.get('summary.html')?.toString() ?? '';
  expect(summary).not.toMatch(/\{"|":/);
  for (const heading of ['What the caller heard', 'What the caller answered, and when', 'Verification'])
    expect(summary).toContain(heading);
  expect(summary).toContain('SHA-256 of the audio file');
  expect(summary).toContain('SHA-256 of the stored ciphertext');
  expect(summary).toMatch(/<span class="ok">verified<\/span>/);
  expect(summary).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
  const certificate = await page.context().newPage();
  await certificate.setContent(summary);
  expect(await certificate.getByRole('heading', { name: 'Consent certificate' }).count()).toBe(1);
  expect(await checkPage(certificate, 'desk-summary')).toEqual([]);
  // One printed page (A4).
  const pdf = await certificate.pdf({ format: 'A4' });
  expect((pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length).toBeLessThanOrEqual(2);
  await certificate.close();
}, 45_000);

test('A German auditor reads the call page in German, the notice as heard without a translation to open', async () => {
  await page.goto(`${desk.url}/audit/calls/${sids.granted}?lang=de`);
  expect(await page.locator('html').getAttribute('lang')).toBe('de');
  const rows = await page.locator('table.timeline-table tbody tr').allTextContents();
  expect(rows.some((r) => r.includes('Hinweis bis zum Ende abgespielt (de)'))).toBe(true);
  expect(rows.some((r) => /Mit Sprache geantwortet: Einwilligung in /.test(r))).toBe(true);
  // The caller heard German: nothing to translate for a German reader.
  expect(await page.locator('ol.notice details').count()).toBe(0);
  expect(await text('#call-facts')).toContain('Eingewilligt');
  expect(await checkPage(page, 'desk-call-granted-de')).toEqual([]);
}, 30_000);
