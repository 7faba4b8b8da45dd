import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Telephone prompt audio: espeak-ng renders a text, ffmpeg normalises it to what a phone line
 * carries (8 kHz mono 16-bit PCM WAV at a steady loudness), and ffmpeg's EBU R128 meter measures
 * files an operator recorded. Tools run with argument lists, never through a shell.
 */

/** Loudness every prompt is normalised to; recorded ones are held against it. */
export const TARGET_LUFS = -18;
export const TELEPHONE_RATE = 8000;
/** Speaking rate used to judge a recording's length against its text (about 150 words a minute). */
export const WORDS_PER_SECOND = 2.5;

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(bin: string, args: string[], input?: string, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-1_000_000)));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${bin}: ${error.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

/** `espeak-ng` on PATH (Debian's package), or null. */
export function resolveEspeak(): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'espeak-ng');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** The espeak-ng voice for a Twilio speech language such as `de-DE`: the exact one, else its language. */
export async function espeakVoice(espeak: string, speechLanguage: string): Promise<string | null> {
  const { stdout } = await run(espeak, ['--voices']);
  const known = new Set<string>();
  for (const line of stdout.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols[1]) known.add(cols[1].toLowerCase());
    for (const m of line.matchAll(/\(([a-z-]+) \d+\)/gi)) known.add((m[1] ?? '').toLowerCase());
  }
  const exact = speechLanguage.toLowerCase();
  const base = exact.split('-')[0] ?? exact;
  if (known.has(exact)) return exact;
  return known.has(base) ? base : null;
}

/**
 * Renders `text` with espeak-ng and writes it as 8 kHz mono PCM WAV at TARGET_LUFS. The gain is
 * measured and applied linearly (loudnorm's one-pass mode pumps on prompts shorter than 3 s),
 * and held back so the true peak stays below -1.5 dBFS.
 */
export async function renderPrompt(opts: {
  espeak: string;
  ffmpeg: string;
  voice: string;
  text: string;
  out: string;
}): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-'));
  try {
    const raw = path.join(tmp, 'raw.wav');
    const tts = await run(opts.espeak, ['-v', opts.voice, '-w', raw, '--stdin'], opts.text);
    if (tts.code !== 0) throw new Error(`espeak-ng failed: ${tts.stderr.trim() || `exit ${tts.code}`}`);
    const measured = await analyseAudio(opts.ffmpeg, raw);
    const gain = Number.isFinite(measured.lufs)
      ? Math.min(TARGET_LUFS - measured.lufs, -1.5 - measured.truePeakDb)
      : 0;
    fs.mkdirSync(path.dirname(opts.out), { recursive: true });
    const norm = await run(opts.ffmpeg, [
      '-hide_banner',
      '-nostdin',
      '-y',
      '-i',
      raw,
      '-af',
      `volume=${gain.toFixed(2)}dB`,
      '-ar',
      String(TELEPHONE_RATE),
      '-ac',
      '1',
      '-c:a',
      'pcm_s16le',
      opts.out,
    ]);
    if (norm.code !== 0)
      throw new Error(`ffmpeg failed: ${norm.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export interface AudioFacts {
  container: string;
  codec: string;
  sampleRate: number;
  channels: number;
  durationSec: number;
  /** Integrated loudness (EBU R128); -70 or below is silence. */
  lufs: number;
  truePeakDb: number;
}

const num = (re: RegExp, text: string): number | null => {
  const m = re.exec(text);
  if (!m?.[1]) return null;
  return m[1] === '-inf' ? -Infinity : Number(m[1]);
};

/** Decodes the whole file through ffmpeg's ebur128 meter; rejects what does not decode as audio. */
export async function analyseAudio(ffmpeg: string, file: string): Promise<AudioFacts> {
  const r = await run(ffmpeg, [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-xerror',
    '-i',
    file,
    '-map',
    '0:a:0',
    '-filter:a',
    'ebur128=peak=true:framelog=verbose',
    '-f',
    'null',
    '-',
  ]);
  const stream = /Stream #0:\d+[^:]*: Audio: ([^\s,]+)[^,]*, (\d+) Hz, ([^,]+)/.exec(r.stderr);
  if (r.code !== 0 || !stream) {
    const why = r.stderr.trim().split('\n').slice(-2).join(' | ') || `exit ${r.code}`;
    throw new Error(`not decodable audio: ${why}`);
  }
  const layout = (stream[3] ?? '').trim();
  const channels =
    layout === 'mono' ? 1 : layout === 'stereo' ? 2 : Number(/(\d+) channels/.exec(layout)?.[1] ?? 0);
  const d = /Duration: (\d+):(\d+):([\d.]+)/.exec(r.stderr);
  const summary = r.stderr.slice(r.stderr.lastIndexOf('Summary:'));
  return {
    container: /Input #0, ([^,]+),/.exec(r.stderr)?.[1] ?? 'unknown',
    codec: stream[1] ?? 'unknown',
    sampleRate: Number(stream[2]),
    channels,
    durationSec: d ? Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3]) : 0,
    lufs: num(/I:\s+(-?[\d.]+|-inf) LUFS/, summary) ?? -Infinity,
    truePeakDb: num(/Peak:\s+(-?[\d.]+|-inf) dBFS/, summary) ?? -Infinity,
  };
}

/** Seconds a text takes to say at WORDS_PER_SECOND. */
export function expectedSeconds(text: string): number {
  const words = text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
  return words / WORDS_PER_SECOND;
}
