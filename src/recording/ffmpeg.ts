import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const isExecutable = (file: string): boolean => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
};

/**
 * FFMPEG_PATH first, then the binary ffmpeg-static installed, then an `ffmpeg` on PATH: where
 * ffmpeg-static could not download (offline build machines) Debian's package is the way, and its
 * install still succeeds because it is an optional dependency. null when there is none at all.
 */
export function resolveFfmpeg(override?: string): string | null {
  if (override && isExecutable(override)) return override;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bundled = require('ffmpeg-static') as string | null;
    if (bundled && isExecutable(bundled)) return bundled;
  } catch {
    // Not installed: it is optional.
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'ffmpeg');
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Runs ffmpeg with an argument list (never a shell, so no path is ever interpreted), and kills it
 * when it overruns: a wedged ffmpeg would otherwise hold a job worker forever. Rejects with the
 * last lines of stderr, which is where ffmpeg says what was wrong with the input.
 */
function run(
  ffmpeg: string,
  args: string[],
  opts: { timeoutMs?: number; onStdout?: (chunk: Buffer) => void } = {},
): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, ['-hide_banner', '-nostdin', ...args], {
      stdio: ['ignore', opts.onStdout ? 'pipe' : 'ignore', 'pipe'],
      windowsHide: true,
    });
    let stderr = '';
    let timedOut = false;
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-8192);
    });
    if (opts.onStdout) child.stdout?.on('data', opts.onStdout);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ffmpeg at ${ffmpeg}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && !timedOut) return resolve();
      const tail = stderr.trim().split('\n').slice(-4).join(' | ') || 'no output';
      const how = timedOut ? `timed out after ${timeoutMs / 1000} s` : (signal ?? `exit ${code}`);
      reject(new Error(`ffmpeg failed (${how}): ${tail}`));
    });
  });
}

const PROBE_RATE = 16_000;

/**
 * Decodes the whole file and counts samples: exact for any format, including MP3 whose header
 * only estimates duration, and a file that does not decode cleanly fails here instead of later.
 */
export async function probeDurationSec(
  ffmpeg: string,
  file: string,
  opts: { timeoutMs?: number } = {},
): Promise<number> {
  let bytes = 0;
  await run(
    ffmpeg,
    [
      '-v',
      'error',
      '-xerror',
      '-i',
      file,
      '-map',
      '0:a:0',
      '-ac',
      '1',
      '-ar',
      String(PROBE_RATE),
      '-f',
      's16le',
      'pipe:1',
    ],
    { timeoutMs: opts.timeoutMs, onStdout: (chunk) => (bytes += chunk.length) },
  );
  return bytes / 2 / PROBE_RATE;
}

/**
 * Cuts [startSec, endSec] and transcodes it to small mono MP3 (32 kbit/s, 16 kHz) that every
 * browser plays. Seeking before -i makes ffmpeg jump straight to the span, so the cut costs the
 * same for a 5- and a 60-minute recording. A span reaching past the end yields what exists (the
 * clip margins may overshoot the recording); a span holding no audio at all is an error.
 */
export async function cutClip(opts: {
  ffmpeg: string;
  input: string;
  startSec: number;
  endSec: number;
  output: string;
  timeoutMs?: number;
}): Promise<{ durationSec: number }> {
  const { startSec, endSec } = opts;
  if (!Number.isFinite(startSec) || !Number.isFinite(endSec) || startSec < 0 || !(endSec > startSec))
    throw new Error(`invalid clip span ${startSec}–${endSec} s`);
  try {
    await run(
      opts.ffmpeg,
      [
        '-v',
        'error',
        '-xerror',
        '-ss',
        startSec.toFixed(3),
        '-t',
        (endSec - startSec).toFixed(3),
        '-i',
        opts.input,
        '-map',
        '0:a:0',
        // Tags of the source recording have no place in the evidence file.
        '-map_metadata',
        '-1',
        '-ac',
        '1',
        '-ar',
        '16000',
        '-c:a',
        'libmp3lame',
        '-b:a',
        '32k',
        '-f',
        'mp3',
        '-y',
        opts.output,
      ],
      { timeoutMs: opts.timeoutMs },
    );
    // An empty cut is a valid run for ffmpeg; only decoding its output shows there is nothing in it.
    const empty = `the cut ${startSec.toFixed(3)}–${endSec.toFixed(3)} s holds no audio (is the recording shorter than the span?)`;
    let durationSec: number;
    try {
      durationSec = await probeDurationSec(opts.ffmpeg, opts.output, { timeoutMs: opts.timeoutMs });
    } catch (error) {
      throw new Error(`${empty}: ${(error as Error).message}`, { cause: error });
    }
    if (!(durationSec > 0)) throw new Error(empty);
    return { durationSec };
  } catch (error) {
    // A half-written or empty MP3 must not be mistaken for a clip by whoever looks next.
    fs.rmSync(opts.output, { force: true });
    throw error;
  }
}

/**
 * A mono 16-bit PCM sine tone, 8 kHz by default as Twilio's WAV recordings are: for tests, the
 * Twilio emulator and benchmarks.
 */
export async function makeToneWav(opts: {
  ffmpeg: string;
  output: string;
  seconds: number;
  sampleRate?: number;
}): Promise<void> {
  const rate = opts.sampleRate ?? 8000;
  if (!(opts.seconds > 0)) throw new Error(`tone length must be positive, got ${opts.seconds}`);
  await run(
    opts.ffmpeg,
    [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=440:sample_rate=${rate}:duration=${opts.seconds}`,
      '-ac',
      '1',
      '-ar',
      String(rate),
      '-c:a',
      'pcm_s16le',
      '-f',
      'wav',
      '-y',
      opts.output,
    ],
    // Generation scales with length (hours of audio in benchmarks), unlike a cut.
    { timeoutMs: Math.max(DEFAULT_TIMEOUT_MS, opts.seconds * 100) },
  );
}
