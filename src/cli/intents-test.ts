import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig, localesDir } from '../config';
import { classify, parseLexicon, type Intent, type Lexicon } from '../flow/intents';
import { lexiconProblems } from '../flow/intents/check';
import { readLocales } from '../i18n/catalog';

type Out = { out: (s: string) => void; err: (s: string) => void };

const INTENTS = ['yes', 'no', 'info', 'withdraw', 'agent', 'minor', 'language', 'unclear'] as const;

// An operator's file is typed by hand: a misspelt intent must fail as the mistake it is, not count
// as a miss; and an item without a confidence is tested as heard perfectly (the words are tested).
const testFile = z.array(
  z
    .object({
      text: z.string(),
      intent: z.enum(INTENTS),
      confidence: z.number().min(0).max(1).optional(),
    })
    .strict(),
);

export interface IntentsReport {
  total: number;
  right: number;
  falseYes: Array<{ text: string; intent: Intent; reason: string }>;
  misses: Array<{ text: string; intent: Intent; got: Intent; reason: string }>;
  matrix: Record<Intent, Record<Intent, number>>;
}

/** Classifies every item of an operator's list with the locale's lexicon and counts what came out. */
export function runIntents(
  items: z.infer<typeof testFile>,
  lexicon: Lexicon,
  minConfidence: number,
): IntentsReport {
  const matrix = Object.fromEntries(
    INTENTS.map((e) => [e, Object.fromEntries(INTENTS.map((g) => [g, 0]))]),
  ) as Record<Intent, Record<Intent, number>>;
  const report: IntentsReport = { total: items.length, right: 0, falseYes: [], misses: [], matrix };
  for (const item of items) {
    const got = classify({ speech: item.text, confidence: item.confidence ?? 1 }, lexicon, { minConfidence });
    matrix[item.intent][got.intent] += 1;
    if (got.intent === item.intent) report.right += 1;
    else {
      report.misses.push({ text: item.text, intent: item.intent, got: got.intent, reason: got.reason });
      if (got.intent === 'yes')
        report.falseYes.push({ text: item.text, intent: item.intent, reason: got.reason });
    }
  }
  return report;
}

function printMatrix(report: IntentsReport, io: Out): void {
  const used = INTENTS.filter(
    (i) => INTENTS.some((j) => report.matrix[i][j] > 0) || INTENTS.some((j) => report.matrix[j][i] > 0),
  );
  const width = Math.max(9, ...used.map((i) => i.length + 1));
  const cell = (s: string | number): string => String(s).padStart(width);
  io.out(`${'expected \\ got'.padEnd(16)}${used.map(cell).join('')}\n`);
  for (const e of used)
    io.out(`${e.padEnd(16)}${used.map((g) => cell(report.matrix[e][g] || '.')).join('')}\n`);
}

/**
 * `consent intents test <file> --lang <lng> [--lexicon <file>] [--min-accuracy <percent>]`: runs an
 * operator's own utterances against a locale's lexicon and prints a confusion matrix. Exit 1 on any
 * false yes (or accuracy below --min-accuracy), 2 on a bad file or locale.
 */
export function intentsTest(args: string[], io: Out): number {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      lang: { type: 'string' },
      lexicon: { type: 'string' },
      'min-accuracy': { type: 'string' },
    },
  });
  const file = positionals[0];
  if (!file || (!values.lang && !values.lexicon)) {
    io.err(
      'usage: consent intents test <file.json> --lang <lng> [--lexicon <lexicon.json>] [--min-accuracy 97]\n',
    );
    return 2;
  }
  const minAccuracy = values['min-accuracy'] === undefined ? 0 : Number(values['min-accuracy']);
  if (!(minAccuracy >= 0 && minAccuracy <= 100)) {
    io.err(`--min-accuracy must be a percentage from 0 to 100, not "${values['min-accuracy']}"\n`);
    return 2;
  }
  let lexicon: Lexicon;
  try {
    lexicon = values.lexicon
      ? parseLexicon(JSON.parse(fs.readFileSync(values.lexicon, 'utf8')))
      : localeLexicon(values.lang as string);
  } catch (error) {
    io.err(`${(error as Error).message}\n`);
    return 2;
  }
  const json = readJson(file, io);
  if (json === undefined) return 2;
  const parsed = testFile.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    io.err(
      `${file}: item ${first?.path.join('.') ?? ''}: ${first?.message ?? 'not a list of {text, intent}'}\n`,
    );
    return 2;
  }
  for (const problem of lexiconProblems(lexicon)) io.err(`warning: lexicon: ${problem}\n`);
  const report = runIntents(
    parsed.data,
    lexicon,
    loadConfig({ ...process.env, DATABASE_PATH: ':memory:' }).minSpeechConfidence,
  );

  printMatrix(report, io);
  const accuracy = report.total ? (100 * report.right) / report.total : 100;
  io.out(
    `\naccuracy ${report.right}/${report.total} (${accuracy.toFixed(1)}%), false yes ${report.falseYes.length}\n`,
  );
  for (const m of report.misses)
    io.out(
      `${m.got === 'yes' ? 'FALSE YES' : 'miss'}  "${m.text}": expected ${m.intent}, got ${m.got} (${m.reason})\n`,
    );
  if (report.falseYes.length > 0) {
    io.err(`${report.falseYes.length} answer(s) that are not a yes were classified as consent\n`);
    return 1;
  }
  if (accuracy < minAccuracy) {
    io.err(`accuracy ${accuracy.toFixed(1)}% is below ${minAccuracy}%\n`);
    return 1;
  }
  return 0;
}

function localeLexicon(lng: string): Lexicon {
  const { lexicons, menu } = readLocales(localesDir());
  const lexicon = lexicons.get(lng);
  if (!lexicon) throw new Error(`no lexicon for locale ${lng}; available: ${menu.join(', ')}`);
  return lexicon;
}

function readJson(file: string, io: Out): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    io.err(`${file}: ${(error as Error).message}\n`);
    return undefined;
  }
}
