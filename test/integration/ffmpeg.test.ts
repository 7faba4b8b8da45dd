import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cutClip, makeToneWav, probeDurationSec, resolveFfmpeg } from '../../src/recording/ffmpeg';

const ffmpeg = resolveFfmpeg(process.env.FFMPEG_PATH);

/** Deterministic noise, so the "garbage" input is the same bytes on every run. */
const noise = (size: number): Buffer => {
  const out: Buffer[] = [];
  for (let i = 0; out.length * 32 < size; i += 1)
    out.push(crypto.createHash('sha256').update(`noise${i}`).digest());
  return Buffer.concat(out).subarray(0, size);
};

describe('ffmpeg clipping', () => {
  let dir: string;
  let wav: string;
  const bin = (): string => {
    if (!ffmpeg) throw new Error('no ffmpeg found: set FFMPEG_PATH or install ffmpeg');
    return ffmpeg;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffmpeg-test-'));
    wav = path.join(dir, 'call.wav');
    await makeToneWav({ ffmpeg: bin(), output: wav, seconds: 60 });
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('an ffmpeg is found', () => {
    expect(ffmpeg).not.toBeNull();
  });

  test('the tone is a 60 s, 8 kHz mono 16-bit PCM WAV', async () => {
    const head = fs.readFileSync(wav).subarray(0, 12);
    expect(head.subarray(0, 4).toString()).toBe('RIFF');
    expect(head.subarray(8, 12).toString()).toBe('WAVE');
    // 60 s × 8000 samples × 2 bytes, plus a header.
    expect(fs.statSync(wav).size).toBeGreaterThanOrEqual(960_000);
    expect(fs.statSync(wav).size).toBeLessThan(960_200);
    expect(await probeDurationSec(bin(), wav)).toBeCloseTo(60, 2);
  });

  test('cutting 10–25 s gives a 15 s mono MP3 that ffmpeg decodes', async () => {
    const out = path.join(dir, 'clip.mp3');
    const { durationSec } = await cutClip({
      ffmpeg: bin(),
      input: wav,
      startSec: 10,
      endSec: 25,
      output: out,
    });
    expect(Math.abs(durationSec - 15)).toBeLessThanOrEqual(0.3);
    expect(Math.abs((await probeDurationSec(bin(), out)) - 15)).toBeLessThanOrEqual(0.3);
    const info = spawnSync(bin(), ['-hide_banner', '-i', out], { encoding: 'utf8' }).stderr;
    expect(info).toMatch(/Input #0, mp3,/);
    expect(info).toMatch(/Audio: mp3.*16000 Hz, mono/);
    // 15 s at 32 kbit/s is about 60 KB; the 8 kHz WAV span was 240 KB.
    expect(fs.statSync(out).size).toBeLessThan(70_000);
  });

  test('a span reaching past the end keeps what the recording has', async () => {
    const out = path.join(dir, 'tail.mp3');
    const { durationSec } = await cutClip({
      ffmpeg: bin(),
      input: wav,
      startSec: 50,
      endSec: 70,
      output: out,
    });
    expect(Math.abs(durationSec - 10)).toBeLessThanOrEqual(0.3);
  });

  test('a span entirely past the end is an empty cut and rejects, leaving no output', async () => {
    const out = path.join(dir, 'empty.mp3');
    await expect(
      cutClip({ ffmpeg: bin(), input: wav, startSec: 70, endSec: 85, output: out }),
    ).rejects.toThrow(/holds no audio/);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('a WAV truncated inside its header rejects with what ffmpeg said', async () => {
    const broken = path.join(dir, 'header-only.wav');
    fs.writeFileSync(broken, fs.readFileSync(wav).subarray(0, 30));
    await expect(
      cutClip({ ffmpeg: bin(), input: broken, startSec: 10, endSec: 25, output: path.join(dir, 'x.mp3') }),
    ).rejects.toThrow(/ffmpeg failed \(exit \d+\): .*Invalid data/);
  });

  test('a WAV truncated before the span rejects as an empty cut', async () => {
    const short = path.join(dir, 'short.wav');
    fs.writeFileSync(short, fs.readFileSync(wav).subarray(0, 44 + 5 * 16_000));
    await expect(
      cutClip({ ffmpeg: bin(), input: short, startSec: 10, endSec: 25, output: path.join(dir, 'y.mp3') }),
    ).rejects.toThrow(/holds no audio/);
  });

  test('garbage named .wav rejects with what ffmpeg said', async () => {
    const garbage = path.join(dir, 'garbage.wav');
    fs.writeFileSync(garbage, noise(200_000));
    await expect(
      cutClip({ ffmpeg: bin(), input: garbage, startSec: 10, endSec: 25, output: path.join(dir, 'z.mp3') }),
    ).rejects.toThrow(/ffmpeg failed .*Invalid data/);
    await expect(probeDurationSec(bin(), garbage)).rejects.toThrow(/ffmpeg failed/);
  });

  test('an invalid span is refused before ffmpeg runs', async () => {
    const base = { ffmpeg: bin(), input: wav, output: path.join(dir, 'w.mp3') };
    await expect(cutClip({ ...base, startSec: 20, endSec: 20 })).rejects.toThrow(/invalid clip span/);
    await expect(cutClip({ ...base, startSec: -1, endSec: 5 })).rejects.toThrow(/invalid clip span/);
    await expect(cutClip({ ...base, startSec: 0, endSec: Number.NaN })).rejects.toThrow(/invalid clip span/);
  });

  test('an overrunning ffmpeg is killed and reported', async () => {
    await expect(probeDurationSec(bin(), wav, { timeoutMs: 1 })).rejects.toThrow(/timed out/);
  });

  test('a missing ffmpeg binary rejects clearly', async () => {
    await expect(
      cutClip({
        ffmpeg: path.join(dir, 'no-ffmpeg'),
        input: wav,
        startSec: 1,
        endSec: 2,
        output: path.join(dir, 'v.mp3'),
      }),
    ).rejects.toThrow(/cannot run ffmpeg/);
  });

  test('resolveFfmpeg takes an existing override and looks further when it does not exist', () => {
    expect(resolveFfmpeg(bin())).toBe(bin());
    expect(resolveFfmpeg(path.join(dir, 'no-ffmpeg'))).not.toBeNull();
    expect(resolveFfmpeg(wav)).not.toBe(wav);
  });
});
