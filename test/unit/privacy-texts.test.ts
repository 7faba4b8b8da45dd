import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { localesDir } from '../../src/config';
import { PrivacyTexts } from '../../src/privacy/texts';

describe('privacy page texts', () => {
  test('every shipped language has every key the English file has', () => {
    const keys = (o: Record<string, unknown>, prefix = ''): string[] =>
      Object.entries(o).flatMap(([k, v]) =>
        v && typeof v === 'object' ? keys(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`],
      );
    const read = (lng: string) =>
      JSON.parse(fs.readFileSync(path.join(localesDir(), lng, 'privacy.json'), 'utf8')) as Record<
        string,
        unknown
      >;
    const english = keys(read('en')).sort();
    const shipped = fs
      .readdirSync(localesDir())
      .filter((lng) => lng !== 'en' && fs.existsSync(path.join(localesDir(), lng, 'privacy.json')));
    expect(shipped).toEqual(expect.arrayContaining(['de', 'de-simple', 'en-simple', 'fr', 'tr']));
    for (const lng of shipped) expect({ lng, keys: keys(read(lng)).sort() }).toEqual({ lng, keys: english });
  });

  test('a new language is a new file: a locale folder with privacy.json is offered, and picked by Accept-Language weight', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'locales-'));
    fs.cpSync(localesDir(), dir, { recursive: true });
    fs.mkdirSync(path.join(dir, 'it'));
    fs.writeFileSync(
      path.join(dir, 'it', 'privacy.json'),
      JSON.stringify({ title: 'Il suo consenso e i suoi dati' }),
    );
    const texts = PrivacyTexts.load(dir, 'de');
    expect(texts.locales).toContain('it');
    expect(texts.pick(undefined, 'fr;q=0.4, it;q=0.9, en;q=0.5', 'de')).toBe('it');
    expect(texts.t('it', 'title')).toBe('Il suo consenso e i suoi dati');
    // What the new file does not say yet comes from the default locale, never a bare key.
    expect(texts.t('it', 'sendCode')).toBe('Code senden');
    expect(texts.pick('xx', 'ja', 'de')).toBe('de');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
