/** Recording audio made with ffmpeg: the default tone a recording holds, and its MP3 form. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const FFMPEG = existsSync('/usr/bin/ffmpeg') ? '/usr/bin/ffmpeg' : 'ffmpeg';

function runFfmpeg(args: string[], input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const proc = spawn(FFMPEG, ['-hide_banner', '-loglevel', 'error', ...args], { stdio: 'pipe' });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    proc.stdout.on('data', (c: Buffer) => out.push(c));
    proc.stderr.on('data', (c: Buffer) => err.push(c));
    proc.on('error', reject);
    proc.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`ffmpeg exited ${code}: ${Buffer.concat(err).toString()}`));
    });
    proc.stdin.on('error', () => undefined);
    proc.stdin.end(input);
  });
}

/** 8 kHz mono 16-bit PCM WAV, a 440 Hz tone of the given length (what Twilio's mono recordings look like). */
export function toneWav(seconds: number): Promise<Buffer> {
  return runFfmpeg([
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:sample_rate=8000:duration=${seconds}`,
    '-ac',
    '1',
    '-ar',
    '8000',
    '-c:a',
    'pcm_s16le',
    '-f',
    'wav',
    'pipe:1',
  ]);
}

export function wavToMp3(wav: Buffer): Promise<Buffer> {
  return runFfmpeg(
    ['-f', 'wav', '-i', 'pipe:0', '-c:a', 'libmp3lame', '-b:a', '32k', '-f', 'mp3', 'pipe:1'],
    wav,
  );
}
