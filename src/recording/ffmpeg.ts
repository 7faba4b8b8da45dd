import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * FFMPEG_PATH first, then the binary ffmpeg-static provides, then an `ffmpeg` on PATH (where
 * ffmpeg-static could not download, Debian's package is the way); null when there is none.
 */
export function resolveFfmpeg(override?: string): string | null {
  if (override) return fs.existsSync(override) ? override : null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bundled = require('ffmpeg-static') as string | null;
    if (bundled && fs.existsSync(bundled)) return bundled;
  } catch {
    // ffmpeg-static is optional: its install fails where it cannot download.
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'ffmpeg');
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return null;
}

/** Runs ffmpeg with an argument list (never a shell) and a hard timeout; rejects with its last stderr lines. */
function run(ffmpeg: string, args: string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, ['-hide_banner', '-nostdin', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-8192);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stderr);
      else
        reject(
          new Error(
            `ffmpeg failed (${signal ?? `exit ${code}`}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
          ),
        );
    });
  });
}

const timeOf = (stderr: string): number => {
  const matches = [...stderr.matchAll(/time=(\d+):(\d+):(\d+(?:\.\d+)?)/g)];
  const last = matches[matches.length - 1];
  return last ? Number(last[1]) * 3600 + Number(last[2]) * 60 + Number(last[3]) : 0;
};

export async function probeDurationSec(ffmpeg: string, file: string): Promise<number> {
  return timeOf(await run(ffmpeg, ['-xerror', '-i', file, '-f', 'null', '-']));
}

/**
 * Cuts [startSec, endSec] and transcodes it to small mono MP3 that every browser plays. Seeking
 * before -i makes the cut cost the same for a 5- and a 60-minute recording.
 */
export async function cutClip(opts: {
  ffmpeg: string;
  input: string;
  startSec: number;
  endSec: number;
  output: string;
}): Promise<{ durationSec: number }> {
  const length = opts.endSec - opts.startSec;
  if (!(length > 0)) throw new Error(`empty clip span ${opts.startSec}–${opts.endSec}`);
  await run(opts.ffmpeg, [
    '-v',
    'error',
    '-xerror',
    '-ss',
    opts.startSec.toFixed(3),
    '-t',
    length.toFixed(3),
    '-i',
    opts.input,
    '-vn',
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
  ]);
  const durationSec = await probeDurationSec(opts.ffmpeg, opts.output);
  if (!(durationSec > 0))
    throw new Error('the cut holds no audio (is the recording shorter than the consent span?)');
  return { durationSec };
}

/** An 8 kHz mono 16-bit PCM tone, as Twilio's WAV recordings are: for tests and benchmarks. */
export async function makeToneWav(opts: {
  ffmpeg: string;
  output: string;
  seconds: number;
  sampleRate?: number;
}): Promise<void> {
  await run(opts.ffmpeg, [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:sample_rate=${opts.sampleRate ?? 8000}:duration=${opts.seconds}`,
    '-ac',
    '1',
    '-c:a',
    'pcm_s16le',
    '-y',
    opts.output,
  ]);
}
