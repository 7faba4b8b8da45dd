/**
 * Every operator text a caller hears (recipients, authority, controller, ...) is given per locale.
 * A locale without its text never hears a sentence that mixes languages: production refuses to
 * start and `consent locales check` fails; development says that whole sentence in the default
 * locale. An old operator file with single strings still works, as the default locale's texts.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { openRuntime } from '../../src/runtime';
import { KEYS, startGateway } from '../support/gateway';
import { localeNumbers, openingOf, speechOf, writeOperatorFile } from '../support/shipped-locales';
import { testDatabaseEnv } from '../support/test-database';

jest.setTimeout(60_000);

const BIN = path.join(__dirname, '../../bin/consent.js');
const EXAMPLE = path.join(__dirname, '../../gateway.config.example.json');
const { numberOf, numbers } = localeNumbers();
/** Recipients in German and English only: French and Turkish callers have no text of their own. */
const PARTIAL = {
  numbers,
  recipients: { de: 'die Empfängerin Acme Telefon GmbH', en: 'the recipient Acme Phone Ltd' },
};

function consent(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, ...env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (status) => resolve({ status, out }));
  });
}

async function infoHeard(file: string, lng: string): Promise<Array<{ text: string; language: string }>> {
  const gw = await startGateway({ GATEWAY_CONFIG: file });
  try {
    const c = gw.emulator.placeCall({ from: '+4915100000901', to: numberOf(lng), fromCountry: 'DE' });
    await c.start();
    await c.press('9');
    return c.heard
      .filter((h) => h.verb === 'Say')
      .map((h) => ({ text: h.text ?? '', language: h.language ?? '' }));
  } finally {
    await gw.close();
  }
}

const partial = writeOperatorFile(PARTIAL);
afterAll(() => partial.remove());

test('in development, a caller whose locale lacks an operator text hears that whole sentence in the default locale, never a mix', async () => {
  const heard = await infoHeard(partial.file, 'fr');
  const info = heard.find((h) => h.text.includes('Acme'));
  expect(info?.text).toContain('die Empfängerin Acme Telefon GmbH');
  expect(info?.text.startsWith(openingOf('de', 'info'))).toBe(true);
  expect(info?.language).toBe(speechOf('de'));
  // Everything else the French caller hears stays French.
  expect(heard.filter((h) => h.language === speechOf('fr')).length).toBeGreaterThan(0);
  expect(heard.some((h) => h.language === speechOf('fr') && h.text.includes('Acme'))).toBe(false);
});

test('a caller whose locale has the text hears it in their own sentence', async () => {
  const heard = await infoHeard(partial.file, 'en');
  const info = heard.find((h) => h.text.includes('Acme'));
  expect(info).toMatchObject({ language: speechOf('en') });
  expect(info?.text).toContain('Recipients are the recipient Acme Phone Ltd.');
});

test('in production, a missing translation stops the start, naming the field and the locale', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prod-texts-'));
  try {
    const config = loadConfig({
      NODE_ENV: 'production',
      PUBLIC_BASE_URL: 'https://ivr.example.com',
      TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'x',
      S3_BUCKET: 'clips',
      CONSENT_KEYS: KEYS,
      HUMAN_AGENT_NUMBER: '+4930123456',
      ...testDatabaseEnv(path.join(dir, 'consent.db')),
      GATEWAY_CONFIG: partial.file,
    } as NodeJS.ProcessEnv);
    const started = openRuntime(config, createLogger('silent'));
    await expect(started).rejects.toThrow(ConfigError);
    await expect(started).rejects.toThrow(/recipients: no text for locale fr/);
    await expect(started).rejects.toThrow(/recipients: no text for locale tr/);
    // Nothing was opened: no ledger file.
    expect(fs.existsSync(path.join(dir, 'consent.db'))).toBe(false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('consent locales check fails on a missing translation and passes on the shipped example', async () => {
  const bad = await consent({ GATEWAY_CONFIG: partial.file }, 'locales', 'check');
  expect(bad.status).toBe(1);
  expect(bad.out).toMatch(/GATEWAY_CONFIG recipients: no text for locale fr/);
  const good = await consent({ GATEWAY_CONFIG: EXAMPLE }, 'locales', 'check');
  expect(good.out).toMatch(/locales ok/);
  expect(good.status).toBe(0);
});

test('an old operator file with single strings still works: the default locale’s text, with a warning', async () => {
  const legacy = writeOperatorFile({ numbers, recipients: 'die Altempfänger GmbH' });
  try {
    const config = loadConfig({ GATEWAY_CONFIG: legacy.file } as NodeJS.ProcessEnv);
    expect(config.operator.recipients).toBe('die Altempfänger GmbH');
    expect(config.defaultsInUse.join('\n')).toMatch(/recipients given as one string, taken as the de text/);
    const heard = await infoHeard(legacy.file, 'de');
    expect(heard.find((h) => h.text.includes('Altempfänger'))?.language).toBe(speechOf('de'));
    const english = await infoHeard(legacy.file, 'en');
    expect(english.find((h) => h.text.includes('Altempfänger'))?.language).toBe(speechOf('de'));
  } finally {
    legacy.remove();
  }
});
