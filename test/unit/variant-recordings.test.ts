/**
 * A country variant plays its language's recorded prompt of a text it says word for word the
 * same (de-AT callers hear the recorded German closing), never one that would say something else
 * (the information layer names the Austrian authority, so it is spoken, not played from de).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderSettings } from '../../src/app';
import { loadConfig } from '../../src/config';
import { Catalog } from '../../src/i18n/catalog';
import { Speaker } from '../../src/twiml/speaker';
import { LOCALES_DIR } from '../support/shipped-locales';

test('de-AT reuses the recording of an unchanged text and speaks a changed one', () => {
  const prompts = fs.mkdtempSync(path.join(os.tmpdir(), 'prompts-'));
  try {
    fs.mkdirSync(path.join(prompts, 'de'));
    for (const key of ['closing', 'info']) fs.writeFileSync(path.join(prompts, 'de', `${key}.wav`), key);
    const catalog = Catalog.load(LOCALES_DIR, prompts);
    const speaker = new Speaker(catalog, renderSettings(loadConfig({} as NodeJS.ProcessEnv)));
    const vars = speaker.vars('de-AT', 14);
    expect(speaker.recorded('de-AT', 'closing', vars)?.urlPath).toBe('/prompts/de/closing.wav');
    expect(speaker.recorded('de-AT', 'info', vars)).toBeUndefined();
    expect(speaker.recorded('de', 'info', speaker.vars('de', 16))?.urlPath).toBe('/prompts/de/info.wav');
    // A simple-language variant has texts of its own: it never plays its language's recordings.
    expect(speaker.recorded('de-simple', 'closing', speaker.vars('de-simple', 16))).toBeUndefined();
  } finally {
    fs.rmSync(prompts, { recursive: true, force: true });
  }
});
