import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readLocales } from '../../src/i18n/catalog';
import { speakerVarNames } from '../../src/cli/locale-texts';
import { loadConfig } from '../../src/config';
import { checkPromptTexts as checkWith, type LocaleFinding } from '../../src/i18n/locale-checks';
import { LOCALES_DIR } from '../support/shipped-locales';

const PURPOSES = ['call', 'ai_training', 'personalization'];
// The placeholders the real Speaker gives every text, as `consent locales check` uses them.
const SPEAKER_VARS = speakerVarNames(loadConfig({}));
const checkPromptTexts = (localesDir: string, purposes: string[]): LocaleFinding[] =>
  checkWith(localesDir, purposes, SPEAKER_VARS);
let dir: string;

/** A copy of the shipped locales where `edit` rewrote de/prompts.json as text. */
function localesWith(edit: (text: string) => string): { dir: string; text: string } {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(LOCALES_DIR, dir, { recursive: true });
  const file = path.join(dir, 'de', 'prompts.json');
  const text = edit(fs.readFileSync(file, 'utf8'));
  fs.writeFileSync(file, text);
  return { dir, text };
}

/** 1-based line:column of the first occurrence of `needle`. */
function lineColumn(text: string, needle: string): string {
  const offset = text.indexOf(needle);
  if (offset < 0) throw new Error(`${needle} not in text`);
  const before = text.slice(0, offset);
  return `${before.split('\n').length}:${offset - before.lastIndexOf('\n')}`;
}

const only = (findings: LocaleFinding[], level: LocaleFinding['level']): string[] =>
  findings.filter((f) => f.level === level).map((f) => `${f.at}: ${f.message}`);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'locales-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('locale checks', () => {
  test('the shipped locales have no errors and no texts nothing says', () => {
    expect(checkPromptTexts(LOCALES_DIR, PURPOSES)).toEqual([]);
    expect(readLocales(LOCALES_DIR).problems).toEqual([]);
  });

  test('a placeholder nothing fills in is an error at its file:line:column, naming what the text may use', () => {
    const { text } = localesWith((t) =>
      t.replace('"Guten Tag und willkommen', '"Guten Tag {{caller}}, willkommen'),
    );
    const errors = only(checkPromptTexts(dir, PURPOSES), 'error');
    const where = lineColumn(text, '"Guten Tag {{caller}}');
    expect(errors).toEqual([
      expect.stringMatching(
        new RegExp(
          `^de/prompts\\.json:${where}: "disclosure" has \\{\\{caller\\}\\}, which nothing fills in: callers would hear "\\{\\{caller\\}\\}" read out \\(this text can use \\{\\{company\\}\\}, \\{\\{assistant\\}\\}`,
        ),
      ),
    ]);
  });

  test('placeholders are judged per text: the agent whisper gets no company name, the purpose question gets its purpose', () => {
    localesWith((t) =>
      t
        .replace(
          '"Achtung: Der Anrufer hat nicht eingewilligt.',
          '"{{company}}: Der Anrufer hat nicht eingewilligt.',
        )
        .replace('"Eine weitere, freiwillige Frage:', '"Zu {{purpose}}: Eine weitere, freiwillige Frage:'),
    );
    const errors = only(checkPromptTexts(dir, PURPOSES), 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/"whisper\.none" has \{\{company\}\}.*\(this text can use no placeholders\)/);
  });

  test('a text for the first purpose, a key nothing reads and a purpose not configured are warned about where they are', () => {
    const { text } = localesWith((t) =>
      t
        .replace(
          '"purposes": {',
          '"purposes": {\n    "call": "Dürfen wir Ihren Anruf bearbeiten?",\n    "marketing": "Werbung?",',
        )
        .replace('"granted":', '"greeting": "Hallo",\n  "granted":'),
    );
    const warnings = only(checkPromptTexts(dir, PURPOSES), 'warning');
    expect(warnings).toEqual([
      `de/prompts.json:${lineColumn(text, '"Dürfen wir Ihren Anruf')}: "purposes.call" is never spoken, so editing it changes nothing: the first purpose ("call") is asked by "main": edit "main" instead`,
      `de/prompts.json:${lineColumn(text, '"Werbung?"')}: "purposes.marketing" is never spoken, so editing it changes nothing: no purpose "marketing" in the operator settings (purposes: call, ai_training, personalization)`,
      `de/prompts.json:${lineColumn(text, '"Hallo"')}: "greeting" is never spoken, so editing it changes nothing: nothing in the service says or sends it`,
    ]);
    expect(only(checkPromptTexts(dir, PURPOSES), 'error')).toEqual([]);
  });

  test('a key written twice is an error: only the last one counts', () => {
    const { text } = localesWith((t) => t.replace('"granted":', '"closing": "Tschüss",\n  "granted":'));
    const errors = only(checkPromptTexts(dir, PURPOSES), 'error');
    const second = text.indexOf('"closing"', text.indexOf('"closing"') + 1);
    const before = text.slice(0, second);
    expect(errors).toEqual([
      `de/prompts.json:${before.split('\n').length}:${second - before.lastIndexOf('\n')}: "closing" appears twice: only the last one is used`,
    ]);
  });

  test('a JSON syntax error is reported as file:line:column in words, not as a character position', () => {
    const { text } = localesWith((t) => t.replace(/"\n\s*}\n}\s*$/, '",\n  }\n}\n'));
    const { problems } = readLocales(dir);
    const where = lineColumn(text, '}\n}');
    expect(problems).toEqual([
      `de/prompts.json:${where}: JSON syntax: expected a "key" in double quotes (a trailing comma before } is not allowed)`,
    ]);
    expect(problems.join()).not.toMatch(/position/);
    // The broken file is skipped by the text checks, not reported twice.
    expect(checkPromptTexts(dir, PURPOSES)).toEqual([]);
  });

  test('a syntax error in a lexicon is positioned too', () => {
    localesWith((t) => t);
    const file = path.join(dir, 'en', 'lexicon.json');
    const text = fs.readFileSync(file, 'utf8').replace(/"/, "'");
    fs.writeFileSync(file, text);
    expect(readLocales(dir).problems).toEqual([
      expect.stringMatching(/^en\/lexicon\.json:\d+:\d+: JSON syntax: /),
    ]);
  });
});
