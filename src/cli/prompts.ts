import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { renderSettings } from '../app';
import { localesDir, promptsDir, type Config } from '../config';
import { Catalog } from '../i18n/catalog';
import {
  analyseAudio,
  espeakVoice,
  expectedSeconds,
  renderPrompt,
  resolveEspeak,
  TARGET_LUFS,
  TELEPHONE_RATE,
  type AudioFacts,
} from '../i18n/prompt-audio';
import { PER_CALL_VARS, placeholdersOf, spokenKeys } from '../i18n/spoken-keys';
import { resolveFfmpeg } from '../recording/ffmpeg';
import { Speaker } from '../twiml/speaker';

type Out = { out: (s: string) => void; err: (s: string) => void };

const ENGINES = ['espeak'] as const;
const PLAYED_EXTENSIONS = ['.wav', '.mp3'];

/** One spoken text as the service would say it, with the per-call values it holds. */
interface SpokenText {
  key: string;
  text: string;
  perCall: string[];
}

function spokenTexts(catalog: Catalog, config: Config, lng: string): SpokenText[] {
  const speaker = new Speaker(catalog, renderSettings(config));
  const age = config.operator.ageOfConsent.default ?? 16;
  const vars = speaker.vars(lng, age);
  const digit = catalog.locales.indexOf(lng) + 1;
  const firstFallback = config.operator.purposes.find(
    (p, i) => i > 0 && !catalog.exists(lng, `purposes.${p.id}`),
  );
  return spokenKeys(
    config.operator.purposes.map((p) => p.id),
    (key) => catalog.exists(lng, key),
  ).map((key) => {
    const template = catalog.template(lng, key) ?? '';
    const purpose = key.startsWith('purposes.') ? key.slice('purposes.'.length) : (firstFallback?.id ?? '');
    const text = catalog.t(lng, key, { ...vars, digit, purpose: speaker.purposeName(lng, purpose) });
    const perCall = [...new Set(placeholdersOf(template).filter((v) => PER_CALL_VARS.has(v)))];
    return { key, text, perCall };
  });
}

/** `consent prompts build|check`: telephone audio from the locale texts, and checks of recorded files. */
export async function promptsCommand(args: string[], io: Out, config: Config): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: { lang: { type: 'string' }, engine: { type: 'string' }, dir: { type: 'string' } },
  });
  const dir = path.resolve(values.dir ?? promptsDir());
  const catalog = Catalog.load(localesDir(), promptsDir());
  // A country variant plays its language's recordings of the texts it does not change (Speaker.recorded).
  const langs = values.lang ? [values.lang] : catalog.locales;
  const unknown = langs.filter((l) => !catalog.has(l));
  if (unknown.length > 0) {
    io.err(`no locale ${unknown.join(', ')} (have: ${catalog.locales.join(', ')})\n`);
    return 2;
  }
  const ffmpeg = resolveFfmpeg(config.ffmpegPath ?? undefined);
  if (!ffmpeg) {
    io.err('ffmpeg not found: install it or set FFMPEG_PATH\n');
    return 1;
  }
  if (sub === 'build') {
    const engine = values.engine ?? 'espeak';
    if (!(ENGINES as readonly string[]).includes(engine)) {
      io.err(`unknown engine ${engine} (have: ${ENGINES.join(', ')})\n`);
      return 2;
    }
    return build(io, { catalog, config, langs, dir, ffmpeg });
  }
  if (sub === 'check') return check(io, { catalog, config, langs, dir, ffmpeg });
  io.err(
    'usage: consent prompts build [--lang de] [--engine espeak] [--dir prompts] | check [--lang de] [--dir prompts]\n',
  );
  return 2;
}

interface Job {
  catalog: Catalog;
  config: Config;
  langs: string[];
  dir: string;
  ffmpeg: string;
}

async function build(io: Out, j: Job): Promise<number> {
  const espeak = resolveEspeak();
  if (!espeak) {
    io.err('espeak-ng not found: apt-get install espeak-ng\n');
    return 1;
  }
  let written = 0;
  for (const lng of j.langs) {
    const speech = j.catalog.t(lng, 'language.speech');
    const voice = await espeakVoice(espeak, speech);
    if (!voice) {
      io.err(`${lng}: espeak-ng has no voice for ${speech}\n`);
      return 1;
    }
    for (const s of spokenTexts(j.catalog, j.config, lng)) {
      if (s.perCall.length > 0) {
        io.out(
          `${lng}/${s.key}: skipped, holds per-call {{${s.perCall.join('}}, {{')}}} (stays text-to-speech)\n`,
        );
        continue;
      }
      const out = path.join(j.dir, lng, `${s.key}.wav`);
      await renderPrompt({ espeak, ffmpeg: j.ffmpeg, voice, text: s.text, out });
      const facts = await analyseAudio(j.ffmpeg, out);
      io.out(`${lng}/${s.key}.wav  ${facts.durationSec.toFixed(1)} s  ${facts.lufs.toFixed(1)} LUFS\n`);
      written += 1;
    }
  }
  io.out(`wrote ${written} prompt(s) under ${j.dir} (8 kHz mono WAV, ${TARGET_LUFS} LUFS, espeak-ng)\n`);
  return 0;
}

/** What is wrong (error: fix before deploying) or questionable (warning) about one recorded file. */
export function judgeRecording(
  facts: AudioFacts,
  text: string,
  ext: string,
): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (ext === '.wav' && !/^pcm_(s16le|mulaw|alaw)$/.test(facts.codec))
    errors.push(`WAV holds ${facts.codec}; Twilio plays 16-bit PCM, µ-law or A-law WAV`);
  if (facts.sampleRate < TELEPHONE_RATE)
    errors.push(`${facts.sampleRate} Hz is below telephone quality (${TELEPHONE_RATE} Hz)`);
  else if (facts.sampleRate !== TELEPHONE_RATE)
    warnings.push(
      `${facts.sampleRate} Hz: the phone line carries ${TELEPHONE_RATE} Hz, a larger file gains nothing`,
    );
  if (facts.channels !== 1) warnings.push(`${facts.channels} channels: the phone line is mono`);
  if (!Number.isFinite(facts.lufs) || facts.lufs < -40) errors.push('silent or nearly silent');
  else if (Math.abs(facts.lufs - TARGET_LUFS) > 5)
    warnings.push(
      `${facts.lufs.toFixed(1)} LUFS is far from ${TARGET_LUFS} LUFS: louder or quieter than the other prompts`,
    );
  if (facts.truePeakDb > -1)
    warnings.push(`true peak ${facts.truePeakDb.toFixed(1)} dBFS: clips on the phone codec`);
  const expected = expectedSeconds(text);
  if (facts.durationSec < expected * 0.4)
    errors.push(
      `${facts.durationSec.toFixed(1)} s is too short for its text (about ${expected.toFixed(0)} s): cut off or the wrong file?`,
    );
  else if (facts.durationSec > expected * 2.5 + 2)
    errors.push(
      `${facts.durationSec.toFixed(1)} s is too long for its text (about ${expected.toFixed(0)} s): the wrong file, or long silence?`,
    );
  return { errors, warnings };
}

async function check(io: Out, j: Job): Promise<number> {
  let errors = 0;
  let warnings = 0;
  let files = 0;
  for (const lng of j.langs) {
    const folder = path.join(j.dir, lng);
    if (!fs.existsSync(folder)) continue;
    const texts = new Map(spokenTexts(j.catalog, j.config, lng).map((s) => [s.key, s]));
    for (const file of fs.readdirSync(folder).sort()) {
      if (file.startsWith('.')) continue;
      files += 1;
      const ext = path.extname(file).toLowerCase();
      const key = path.basename(file, path.extname(file));
      const name = `${lng}/${file}`;
      const problems: { errors: string[]; warnings: string[] } = { errors: [], warnings: [] };
      let summary = '';
      const spoken = texts.get(key);
      if (!PLAYED_EXTENSIONS.includes(path.extname(file)))
        problems.errors.push(`never played: only .wav and .mp3 replace a text`);
      else if (!spoken)
        problems.errors.push(
          key === `purposes.${j.config.operator.purposes[0]?.id}`
            ? `never played: the first purpose is asked by "main", record main.wav instead`
            : j.catalog.exists(lng, key)
              ? `never played: nothing says "${key}"`
              : `never played: locales/${lng}/prompts.json has no text "${key}"`,
        );
      else {
        if (spoken.perCall.length > 0)
          problems.warnings.push(
            `its text holds per-call {{${spoken.perCall.join('}}, {{')}}}: every caller hears the recorded value`,
          );
        try {
          const facts = await analyseAudio(j.ffmpeg, path.join(folder, file));
          summary = `  ${facts.container} ${facts.codec} ${facts.sampleRate} Hz ${facts.channels === 1 ? 'mono' : `${facts.channels} ch`}  ${facts.durationSec.toFixed(1)} s  ${facts.lufs.toFixed(1)} LUFS`;
          const judged = judgeRecording(facts, spoken.text, ext);
          problems.errors.push(...judged.errors);
          problems.warnings.push(...judged.warnings);
        } catch (error) {
          problems.errors.push((error as Error).message);
        }
      }
      const verdict = problems.errors.length ? 'ERROR' : problems.warnings.length ? 'warning' : 'ok';
      io.out(`${name}${summary}  ${verdict}\n`);
      for (const e of problems.errors) io.out(`    error: ${e}\n`);
      for (const w of problems.warnings) io.out(`    warning: ${w}\n`);
      errors += problems.errors.length;
      warnings += problems.warnings.length;
    }
  }
  io.out(`${files} recorded prompt(s) checked under ${j.dir}: ${errors} error(s), ${warnings} warning(s)\n`);
  return errors > 0 ? 1 : 0;
}
