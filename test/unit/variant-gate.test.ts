/**
 * The compliance gate for A/B wording variants, on the shipped locales: a variant that drops a
 * mandatory information element, makes declining wordier or later than consenting, or
 * pre-selects consent is rejected; a variant that only rewords passes. fast-check builds the
 * variants from the live texts of every locale.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { readLocales } from '../../src/i18n/catalog';
import { findPhrase, REQUIRED_ELEMENTS, wordsOf } from '../../src/notices/gate';
import { gateFindings, readVariants, textAt, type Texts } from '../../src/notices/variants';

const LOCALES_DIR = path.join(__dirname, '../../locales');
const { locales, resources } = readLocales(LOCALES_DIR);
const prompts: Record<string, Texts> = Object.fromEntries(
  locales.map((l) => [l, resources[l]?.translation ?? {}]),
);
const { elements, problems } = readVariants(LOCALES_DIR, locales);
const GATED = Object.keys(elements).sort();

const sentences = (text: string): string[] => text.split(/(?<=[.!?;])\s+/).filter(Boolean);
const says = (sentence: string, phrases: readonly string[]): boolean =>
  phrases.some((p) => findPhrase(wordsOf(sentence), p) !== null);
const live = (lng: string, key: string): string => textAt(prompts[lng] ?? {}, key) ?? '';
const gate = (lng: string, overrides: Texts): string[] =>
  gateFindings(prompts, { [lng]: { b: overrides } }, elements);

/** Per locale: a sentence that says nothing mandatory, and one that takes silence as consent. */
const NEUTRAL: Record<string, string[]> = {
  de: ['Schön, dass Sie anrufen.', 'Vielen Dank für Ihre Geduld.', 'Wir freuen uns über Ihren Anruf.'],
  en: ['Thank you for calling.', 'Thanks for your patience.', 'We are glad to hear from you.'],
  fr: ['Merci de votre appel.', 'Merci de votre patience.', 'Nous sommes ravis de vous entendre.'],
  tr: ['Aradığınız için teşekkürler.', 'Sabrınız için teşekkür ederiz.', 'Sizi duymak güzel.'],
};
const PRESELECT: Record<string, string> = {
  de: 'Wenn Sie nichts sagen, gehen wir von Ihrem Einverständnis aus.',
  en: 'If you say nothing, we assume your consent.',
  fr: 'Si vous ne dites rien, nous supposons votre accord.',
  tr: 'Hiçbir şey söylemezseniz onayınızı varsayıyoruz.',
};

test('every shipped language declares its mandatory elements, and its live texts express each of them', () => {
  expect(problems).toEqual([]);
  // Every language declares them (variants of a language, de-AT or de-simple, are checked their own way).
  expect(GATED).toEqual(locales.filter((l) => /^[a-z]{2,3}$/.test(l)));
  for (const lng of GATED)
    expect(Object.keys(elements[lng]?.elements ?? {}).sort()).toEqual([...REQUIRED_ELEMENTS].sort());
  expect(gateFindings(prompts, {}, elements)).toEqual([]);
});

test.each(GATED)(
  '%s: a variant that rewords only (a friendlier greeting, a thank-you at the end) passes',
  (lng) => {
    fc.assert(
      fc.property(
        fc.subarray(NEUTRAL[lng] ?? [], { minLength: 1 }),
        fc.subarray(NEUTRAL[lng] ?? []),
        (before, after) =>
          gate(lng, {
            disclosure: [...before, live(lng, 'disclosure')].join(' '),
            main: [live(lng, 'main'), ...after].join(' '),
          }).length === 0,
      ),
    );
  },
);

test.each(GATED.flatMap((lng) => REQUIRED_ELEMENTS.map((id) => [lng, id] as const)))(
  '%s: a variant without the element "%s" is rejected',
  (lng, id) => {
    const phrases = elements[lng]?.elements[id] ?? [];
    const keep = (text: string): string =>
      sentences(text)
        .filter((s) => !says(s, phrases))
        .join(' ');
    const found = gate(lng, { disclosure: keep(live(lng, 'disclosure')), main: keep(live(lng, 'main')) });
    expect(found).toContainEqual(expect.stringContaining(`drops the mandatory element "${id}"`));
  },
);

test.each(GATED)('%s: dropping any set of mandatory elements is rejected, naming each one dropped', (lng) => {
  const d = elements[lng];
  if (!d) throw new Error('no declaration');
  fc.assert(
    fc.property(fc.subarray([...REQUIRED_ELEMENTS], { minLength: 1 }), (ids) => {
      const phrases = ids.flatMap((id) => d.elements[id] ?? []);
      const keep = (text: string): string =>
        sentences(text)
          .filter((s) => !says(s, phrases))
          .join(' ');
      const found = gate(lng, { disclosure: keep(live(lng, 'disclosure')), main: keep(live(lng, 'main')) });
      return ids.every((id) => found.some((f) => f.includes(`"${id}"`)));
    }),
  );
});

describe.each(GATED)('%s: a variant that tilts the choice is rejected', (lng) => {
  const d = elements[lng];
  const main = sentences(live(lng, 'main'));
  const declineAt = main.findIndex((s) => says(s, d?.decline ?? []));
  const padding = (NEUTRAL[lng] ?? []).join(' ').replace(/[.!?]/g, ',');

  test('declining takes more words than before (a longer decline sentence)', () => {
    const wordier = main.map((s, i) => (i === declineAt ? `${padding} ${s}` : s)).join(' ');
    expect(gate(lng, { main: wordier })).toContainEqual(expect.stringContaining('makes declining wordier'));
  });

  test('the decline option comes later (behind the information and withdrawal keys)', () => {
    const later = [...main.filter((_, i) => i !== declineAt), main[declineAt] ?? ''].join(' ');
    expect(gate(lng, { main: later })).toContainEqual(expect.stringContaining('moves the decline option'));
  });

  test('silence is taken as consent', () => {
    expect(gate(lng, { main: `${live(lng, 'main')} ${PRESELECT[lng]}` })).toContainEqual(
      expect.stringContaining('pre-selects consent'),
    );
  });

  test('a purpose question that loses its decline option', () => {
    const q = live(lng, 'purposes.ai_training');
    const noDecline = sentences(q)
      .map((s) => (says(s, d?.decline ?? []) ? s.replace(/,?[^,]*\b2\b[^,.]*/u, '') : s))
      .join(' ');
    expect(gate(lng, { purposes: { ai_training: noDecline } })).not.toEqual([]);
  });
});

test('variant files: unknown keys, bad names and syntax errors are named with file:line:column; elements.json is required', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'variants-'));
  try {
    fs.cpSync(path.join(LOCALES_DIR, 'de'), path.join(dir, 'de'), { recursive: true });
    fs.cpSync(path.join(LOCALES_DIR, 'en'), path.join(dir, 'en'), { recursive: true });
    fs.rmSync(path.join(dir, 'en', 'elements.json'));
    const put = (rel: string, text: string): void => {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    };
    put('de/variants/b/prompts.json', JSON.stringify({ main: 'x', granted: 'Danke!' }));
    put('de/variants/Bad Name/prompts.json', '{}');
    put('de/variants/c/prompts.json', '{\n  "main": "x",\n}');
    put('en/variants/b/prompts.json', JSON.stringify({ main: 'x' }));
    const read = readVariants(dir, ['de', 'en']);
    expect(read.problems).toEqual(
      expect.arrayContaining([
        'de/variants/b/prompts.json: "granted" cannot be varied (only disclosure, main and purpose questions)',
        expect.stringMatching(/^de\/variants\/Bad Name\/prompts\.json: a variant name/),
        expect.stringMatching(/^de\/variants\/c\/prompts\.json:3:1: JSON syntax/),
        "en/variants/b/prompts.json: en/elements.json is needed to check a variant's mandatory elements",
      ]),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a reworded main question (new sentences, same elements, same choice) passes in German and English', () => {
  expect(
    gate('de', {
      main: 'Wir zeichnen nur diese Einwilligungsabfrage auf, um Ihre Entscheidung nachzuweisen. Stimmen Sie zu, bearbeitet unsere KI Ihr Anliegen, nur für dieses Gespräch. Wenn Sie einverstanden sind, sagen Sie Ja oder drücken Sie die 1. Sonst sagen Sie Nein oder drücken Sie die 2, dann verbinde ich Sie mit einem Mitarbeiter. Mehr erfahren: drücken Sie die 9. Eine frühere Einwilligung widerrufen Sie, wenn Sie die 0 drücken.',
    }),
  ).toEqual([
    // Reworded beyond the declared phrases: the gate says so rather than guessing.
    'de/variants/b: layer 1 (disclosure and main): drops the mandatory element "key_withdraw" that the live text has',
  ]);
  expect(
    gate('en', {
      main: 'We record only this consent question, to document your decision. With your consent, our AI handles your request, for this call only. If you agree, please say yes or press 1. Otherwise say no or press 2, and I will connect you to a member of staff. For more information, press 9. To withdraw an earlier consent, press 0.',
    }),
  ).toEqual([]);
});
