/**
 * Locale variants as the catalog loads them: a country variant takes each text whole from
 * itself or from its language (never a third source, never another language); a variant key its
 * language lacks, a variant without its language, and a simple-language text that drops a piece
 * of information are refused by `consent locales check`.
 */
import fc from 'fast-check';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readLocales } from '../../src/i18n/catalog';
import { menuOrder, overlay, parseLocaleName, textLocaleOf } from '../../src/i18n/locale-variants';
import { checkVariantTexts, longSentences } from '../../src/i18n/variant-checks';
import { LOCALES_DIR } from '../support/shipped-locales';

type Json = Record<string, unknown>;
const leaves = (o: Json, prefix = ''): Array<[string, unknown]> =>
  Object.entries(o).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null ? leaves(v as Json, `${prefix}${k}.`) : [[`${prefix}${k}`, v]],
  );

test('an overlay takes each text whole from the variant where it gives one, else from its language', () => {
  const key = fc.constantFrom('a', 'b', 'c', 'd');
  const tree = fc.letrec<{ node: Json }>((tie) => ({
    node: fc.dictionary(key, fc.oneof({ depthSize: 'small' }, fc.string(), tie('node')), { maxKeys: 4 }),
  })).node;
  fc.assert(
    fc.property(tree, tree, (base, variant) => {
      const { merged } = overlay(base, variant);
      const baseLeaves = new Map(leaves(base));
      const variantLeaves = new Map(leaves(variant));
      // Every text of the result is one of the two files' texts for that very key.
      for (const [k, v] of leaves(merged))
        expect(variantLeaves.has(k) ? variantLeaves.get(k) : baseLeaves.get(k)).toBe(v);
      // And every text the variant gives is in the result.
      const mergedLeaves = new Map(leaves(merged));
      for (const [k, v] of variantLeaves) expect(mergedLeaves.get(k)).toBe(v);
    }),
  );
});

test('folder names: languages, simple-language and country variants; the menu keeps the languages first', () => {
  expect(
    ['de', 'de-simple', 'de-AT', 'pt-BR', 'de-xx', 'DE'].map((n) => parseLocaleName(n)?.kind ?? null),
  ).toEqual(['language', 'simple', 'country', 'country', null, null]);
  const names = ['tr', 'en-simple', 'de-AT', 'de', 'de-simple', 'en', 'fr'].flatMap(
    (n) => parseLocaleName(n) ?? [],
  );
  expect(menuOrder(names)).toEqual(['de', 'en', 'fr', 'tr', 'de-simple', 'en-simple']);
  const has = (l: string): boolean => ['de', 'de-AT'].includes(l);
  expect([
    textLocaleOf('de', 'AT', has),
    textLocaleOf('de', 'CH', has),
    textLocaleOf('de', null, has),
  ]).toEqual(['de-AT', 'de', 'de']);
});

test('the shipped variants load, inherit their language’s lexicon, and pass every check', () => {
  const read = readLocales(LOCALES_DIR);
  expect(read.problems).toEqual([]);
  expect(read.menu).toEqual(['de', 'en', 'fr', 'tr', 'de-simple', 'en-simple']);
  expect(read.locales).toEqual(expect.arrayContaining(['de-AT', 'de-CH']));
  expect(read.lexicons.get('de-AT')).toBe(read.lexicons.get('de'));
  expect(read.lexicons.get('en-simple')).toBe(read.lexicons.get('en'));
  const at = read.resources['de-AT']?.translation as { main: string; operatorDefaults: Json };
  expect(at.main).toBe((read.resources.de?.translation as { main: string }).main);
  expect(at.operatorDefaults.supervisoryAuthority).toMatch(/österreichischen/);
  expect(checkVariantTexts(LOCALES_DIR).filter((f) => f.level === 'error')).toEqual([]);
});

describe('in a copy of the shipped locales', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'variants-'));
    fs.cpSync(LOCALES_DIR, dir, { recursive: true });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (lng: string, json: Json): void => {
    fs.mkdirSync(path.join(dir, lng), { recursive: true });
    fs.writeFileSync(path.join(dir, lng, 'prompts.json'), JSON.stringify(json, null, 2));
  };
  const edit = (lng: string, change: (prompts: Json) => void): void => {
    const file = path.join(dir, lng, 'prompts.json');
    const prompts = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
    change(prompts);
    fs.writeFileSync(file, JSON.stringify(prompts, null, 2));
  };

  test('a country variant key its language does not have, and a variant without its language, are refused', () => {
    write('de-AT', { operatorDefaults: { supervisoryAuthorty: 'x' } });
    write('it-CH', { closing: 'Arrivederci.' });
    const { problems } = readLocales(dir);
    expect(problems).toContain(
      'de-AT/prompts.json: "operatorDefaults.supervisoryAuthorty" is not a text of de',
    );
    expect(problems).toContain('it-CH: a variant of it, but there is no locales/it/ folder');
  });

  test('a simple-language text that drops a piece of information is an error; a long sentence a warning', () => {
    edit('de-simple', (p) => {
      p.info = String(p.info).replace('{{transfer}}', '');
      p.closing =
        'Vielen Dank für Ihren Anruf bei uns heute, wir freuen uns sehr, dass Sie angerufen haben, und wünschen Ihnen einen schönen Tag.';
    });
    const findings = checkVariantTexts(dir);
    const error = findings.find((f) => f.level === 'error');
    expect(error?.message).toMatch(/"info" leaves out \{\{transfer\}\}/);
    expect(error?.at).toMatch(/^de-simple\/prompts\.json:\d+:\d+$/);
    expect(findings.some((f) => f.level === 'warning' && /"closing" has a sentence/.test(f.message))).toBe(
      true,
    );
  });

  test('a simple-language variant gives every text of its own: it never borrows its language’s legal wording', () => {
    edit('en-simple', (p) => {
      delete p.info;
    });
    expect(readLocales(dir).problems).toContain('en-simple/prompts.json: "info" is missing or empty');
  });
});

test('long sentences are counted with each placeholder as one word', () => {
  expect(longSentences('Kurz. {{a}} {{b}} c d.', 3)).toEqual(['X X c d.']);
  expect(longSentences('Eins zwei drei. Vier.', 3)).toEqual([]);
});
