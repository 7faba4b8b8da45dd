/**
 * The /privacy page carries the whole Art. 13 GDPR information, as the information layer of the
 * call does, in each shipped language: controller, DPO, purposes with legal basis and retention,
 * categories of data, recipients, the transfer to the USA with its safeguards, the legitimate
 * interests where the operator relies on them, the rights and the supervisory authority. Read
 * in a real browser, as a caller reads it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { startGateway, type Gateway } from '../support/gateway';
import { writeOperatorFile } from '../support/shipped-locales';

jest.setTimeout(60_000);

const SHIPPED = ['de', 'en', 'fr', 'tr'];
type PerLocale = Record<string, string>;
const EXAMPLE = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../gateway.config.example.json'), 'utf8'),
) as Record<string, unknown> & {
  dataCategories: PerLocale;
  thirdCountryTransfer: PerLocale;
  supervisoryAuthority: PerLocale;
  recipients: PerLocale;
  controller: PerLocale;
};
const INTERESTS: PerLocale = {
  de: 'Betrugsabwehr am Telefon',
  en: 'preventing telephone fraud',
  fr: 'la prévention de la fraude téléphonique',
  tr: 'telefon dolandırıcılığının önlenmesi',
};
const withInterests = writeOperatorFile({ ...EXAMPLE, legitimateInterests: INTERESTS });
const withoutInterests = writeOperatorFile(EXAMPLE);

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 30_000);
afterAll(async () => {
  await browser?.close();
  withInterests.remove();
  withoutInterests.remove();
});

interface Section {
  lang: string;
  title: string;
  /** h3 id (art13-<item>) → its paragraphs, each with the lang it declares (or the page's). */
  items: Record<string, Array<{ lang: string; text: string }>>;
}

async function readArt13(gw: Gateway, lng: string): Promise<Section> {
  const page = await browser.newPage();
  try {
    await page.goto(`${gw.url}/privacy?lng=${lng}`);
    // Read from the DOM as the browser built it (a string, as the test runs without DOM types).
    const json = await page.evaluate<string>(`(() => {
      const doc = document.documentElement.lang;
      const section = document.querySelector('section[aria-labelledby="art13"]');
      const items = {};
      let current = '';
      for (const el of Array.from(section ? section.children : [])) {
        if (el.tagName === 'H3') current = el.id;
        else if (el.tagName === 'P' && current)
          (items[current] = items[current] || []).push({ lang: el.getAttribute('lang') || doc, text: el.textContent });
      }
      const h2 = section && section.querySelector('h2');
      return JSON.stringify({ lang: doc, title: h2 ? h2.textContent : '', items });
    })()`);
    return JSON.parse(json) as Section;
  } finally {
    await page.close();
  }
}

describe('with the shipped example operator file and legitimate interests configured', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ GATEWAY_CONFIG: withInterests.file });
  });
  afterAll(() => gw.close());

  test.each(SHIPPED)('the %s page states every Art. 13 item in that language', async (lng) => {
    const s = await readArt13(gw, lng);
    expect(s.lang).toBe(lng);
    expect(s.title).toMatch(/13/);
    const only = (id: string): string => {
      const paragraphs = s.items[`art13-${id}`] ?? [];
      expect(paragraphs).toHaveLength(1);
      return paragraphs[0]?.text ?? '';
    };
    expect(only('controller')).toBe(EXAMPLE.controller[lng]);
    expect(only('dpo')).toBe('datenschutz@example.com');
    expect(only('categories')).toBe(EXAMPLE.dataCategories[lng]);
    expect(only('recipients')).toBe(EXAMPLE.recipients[lng]);
    // Twilio in the USA and the safeguards the operator names.
    expect(only('transfer')).toBe(EXAMPLE.thirdCountryTransfer[lng]);
    expect(only('transfer')).toMatch(/Twilio/);
    expect(only('interests')).toBe(INTERESTS[lng]);
    expect(only('complaintTitle')).toContain(EXAMPLE.supervisoryAuthority[lng]);
    expect(only('rights')).toMatch(/0/);
    // One line per purpose, each with its retention in days.
    const purposes = s.items['art13-purposes'] ?? [];
    expect(purposes.map((p) => /\b(30|365)\b/.exec(p.text)?.[1])).toEqual(['30', '365', '365']);
    // Nothing on the page is in another language.
    for (const paragraphs of Object.values(s.items)) for (const p of paragraphs) expect(p.lang).toBe(lng);
  });
});

test('without legitimate interests configured the page does not claim any; a text missing for a locale is shown whole in the default locale, marked as such', async () => {
  const partial = writeOperatorFile({
    ...EXAMPLE,
    thirdCountryTransfer: { de: EXAMPLE.thirdCountryTransfer.de, en: EXAMPLE.thirdCountryTransfer.en },
  });
  const gw = await startGateway({ GATEWAY_CONFIG: partial.file });
  try {
    const fr = await readArt13(gw, 'fr');
    expect(fr.items['art13-interests']).toBeUndefined();
    expect(fr.items['art13-transfer']).toEqual([{ lang: 'de', text: EXAMPLE.thirdCountryTransfer.de }]);
    expect(fr.items['art13-categories']).toEqual([{ lang: 'fr', text: EXAMPLE.dataCategories.fr }]);
  } finally {
    await gw.close();
    partial.remove();
  }
});

test('a visitor whose browser asks for Austrian German reads the Austrian supervisory authority, as an Austrian caller hears it', async () => {
  const gw = await startGateway();
  try {
    const complaint = async (acceptLanguage: string): Promise<string> => {
      const html = await (
        await fetch(`${gw.url}/privacy`, { headers: { 'accept-language': acceptLanguage } })
      ).text();
      expect(html).toMatch(/<html lang="de">/);
      return /<h3 id="art13-complaintTitle">[^<]*<\/h3>\s*<p>([^<]*)<\/p>/.exec(html)?.[1] ?? '';
    };
    expect(await complaint('de-AT,de;q=0.9')).toContain(
      'bei der österreichischen Datenschutzbehörde in Wien',
    );
    expect(await complaint('de-DE,de;q=0.9')).toContain('bei der Datenschutz-Aufsichtsbehörde Ihres Landes');
  } finally {
    await gw.close();
  }
});
