import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The real `consent` binary (built by `npm test` before jest runs), as an operator runs it.
const BIN = path.join(__dirname, '../../bin/consent.js');
const ROOT = path.join(__dirname, '../..');
let dir: string;

const consent = (...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};
const write = (name: string, json: unknown): string => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(json));
  return file;
};

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-intents-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('consent intents test', () => {
  test("runs an operator's list against a shipped locale and prints the confusion matrix", () => {
    const file = write('de-ok.json', [
      { text: 'ja gerne', intent: 'yes' },
      { text: 'jo passt', intent: 'yes', confidence: 0.8 },
      { text: 'ja wenn es nichts kostet', intent: 'unclear' },
      { text: 'ja wer sieht meine daten', intent: 'info' },
      { text: 'ich nehme meine einwilligung zurück', intent: 'withdraw' },
      { text: 'einen sachbearbeiter bitte', intent: 'agent' },
      { text: 'nein', intent: 'yes' }, // a miss, but not a false consent
    ]);
    const r = consent('intents', 'test', file, '--lang', 'de');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/expected \\ got/);
    expect(r.stdout).toMatch(/^yes +2 +1 /m); // two yeses right, the "nein" counted as no
    expect(r.stdout).toContain('accuracy 6/7 (85.7%), false yes 0');
    expect(r.stdout).toMatch(/miss {2}"nein": expected yes, got no \(no phrase: 'nein'\)/);
  });

  test('exits 1 and names the answer when a draft lexicon grants consent to something that is not a yes', () => {
    const shipped = JSON.parse(fs.readFileSync(path.join(ROOT, 'locales/en/lexicon.json'), 'utf8')) as {
      yesIdioms: string[];
    };
    // An operator takes "yes if" for an idiom; only the words of the file stand in the way.
    const lexicon = write('en-draft.json', { ...shipped, yesIdioms: [...shipped.yesIdioms, 'yes if'] });
    const file = write('en.json', [
      { text: 'yes', intent: 'yes' },
      { text: 'yes if', intent: 'unclear' },
    ]);
    const r = consent('intents', 'test', file, '--lexicon', lexicon);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/FALSE YES {2}"yes if": expected unclear, got yes/);
    expect(r.stderr).toMatch(/warning: lexicon: "yesIdioms": 'yes if' contains 'if' from "conditions"/);
    expect(r.stderr).toMatch(/1 answer\(s\) that are not a yes were classified as consent/);
  });

  test('exits 1 when accuracy is below --min-accuracy, even without a false yes', () => {
    const file = write('tr.json', [
      { text: 'evet', intent: 'yes' },
      { text: 'hayır', intent: 'unclear' },
    ]);
    const r = consent('intents', 'test', file, '--lang', 'tr', '--min-accuracy', '97');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/accuracy 50.0% is below 97%/);
  });

  test('refuses a misspelt intent or an unknown locale with exit 2 and changes nothing', () => {
    const bad = write('bad.json', [{ text: 'oui', intent: 'yess' }]);
    const r = consent('intents', 'test', bad, '--lang', 'fr');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/item 0\.intent/);
    const unknown = consent('intents', 'test', bad, '--lang', 'xx');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/no lexicon for locale xx; available: de, en, fr, tr/);
  });
});

describe('consent simulate', () => {
  test('prints the rule and the words behind each spoken answer', () => {
    const r = consent('simulate', '--lang', 'de', '--say', 'ja wenn es nichts kostet', '--say', 'ja gerne');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      "[heard as unclear: not a whole yes: condition 'wenn' beside yes phrase 'ja']",
    );
    expect(r.stdout).toContain("[heard as yes: whole-utterance yes: only yes phrase 'ja gerne']");
  });
});
