import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main';
import { analyseAudio } from '../../src/i18n/prompt-audio';
import { resolveFfmpeg } from '../../src/recording/ffmpeg';

// Real espeak-ng and ffmpeg, writing into a temp dir: generated audio is never committed.
jest.setTimeout(120_000);
const ffmpeg = resolveFfmpeg() as string;
let dir: string;
let built: string;

async function consent(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

const makeAudio = (file: string, lavfi: string, extra: string[]): void => {
  execFileSync(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', lavfi, ...extra, file]);
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prompts-'));
  built = path.join(dir, 'built');
  const r = await consent('prompts', 'build', '--lang', 'de', '--engine', 'espeak', '--dir', built);
  if (r.code !== 0) throw new Error(`prompts build failed: ${r.err}${r.out}`);
}, 180_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('consent prompts build', () => {
  test('renders the spoken German texts as 8 kHz mono PCM WAV near -18 LUFS, as long as the text takes to say', async () => {
    for (const key of ['disclosure', 'main', 'info', 'purposes.ai_training', 'handover']) {
      const facts = await analyseAudio(ffmpeg, path.join(built, 'de', `${key}.wav`));
      expect(facts).toMatchObject({ container: 'wav', codec: 'pcm_s16le', sampleRate: 8000, channels: 1 });
      expect(Math.abs(facts.lufs + 18)).toBeLessThan(5);
      expect(facts.truePeakDb).toBeLessThanOrEqual(-1);
    }
    const disclosure = await analyseAudio(ffmpeg, path.join(built, 'de', 'disclosure.wav'));
    const info = await analyseAudio(ffmpeg, path.join(built, 'de', 'info.wav'));
    expect(disclosure.durationSec).toBeGreaterThan(4);
    expect(info.durationSec).toBeGreaterThan(disclosure.durationSec * 3);
  });

  test('leaves texts with per-call values and texts nothing says to text-to-speech, and only builds the asked language', () => {
    const files = fs.readdirSync(path.join(built, 'de'));
    expect(files).toContain('main.wav');
    expect(files).not.toContain('age.wav'); // {{age}} differs by caller country
    expect(files).not.toContain('whisper.granted.wav'); // consent reference per call
    expect(files).not.toContain('purposes.call.wav'); // the first purpose is asked by "main"
    expect(fs.readdirSync(built)).toEqual(['de']);
  });

  test('an unknown engine or language is a usage error that writes nothing', async () => {
    const target = path.join(dir, 'none');
    expect((await consent('prompts', 'build', '--engine', 'festival', '--dir', target)).code).toBe(2);
    expect((await consent('prompts', 'build', '--lang', 'xx', '--dir', target)).code).toBe(2);
    expect(fs.existsSync(target)).toBe(false);
  });
});

describe('consent prompts check', () => {
  test('passes the built prompts', async () => {
    const r = await consent('prompts', 'check', '--lang', 'de', '--dir', built);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/de\/disclosure\.wav {2}wav pcm_s16le 8000 Hz mono .* ok/);
    expect(r.out).toMatch(/0 error\(s\), 0 warning\(s\)/);
  });

  test('reports each mistake in files an operator dropped in, and fails', async () => {
    const drop = path.join(dir, 'dropped');
    const de = path.join(drop, 'de');
    fs.mkdirSync(de, { recursive: true });
    fs.copyFileSync(path.join(built, 'de', 'main.wav'), path.join(de, 'main.wav'));
    makeAudio(path.join(de, 'disclosure.wav'), 'sine=f=440:d=0.6', ['-ar', '44100', '-ac', '2']);
    makeAudio(path.join(de, 'granted.wav'), 'anullsrc=r=8000:cl=mono', ['-t', '4']);
    makeAudio(path.join(de, 'closing.wav'), 'sine=f=300:d=30', ['-ar', '8000']);
    makeAudio(path.join(de, 'handover.wav'), 'sine=f=300:d=2', ['-ar', '8000', '-af', 'volume=-12dB']);
    fs.writeFileSync(path.join(de, 'info.mp3'), 'not audio');
    fs.copyFileSync(path.join(built, 'de', 'handover.wav'), path.join(de, 'purposes.call.wav'));
    fs.copyFileSync(path.join(built, 'de', 'handover.wav'), path.join(de, 'greeting.wav'));
    fs.copyFileSync(path.join(built, 'de', 'handover.wav'), path.join(de, 'error.ogg'));

    const r = await consent('prompts', 'check', '--dir', drop);
    expect(r.code).toBe(1);
    const entry = (file: string): string =>
      r.out.split(/\n(?=de\/)/).find((e) => e.startsWith(`de/${file}`)) ?? '';
    expect(entry('main.wav')).toMatch(/ ok$/m);
    expect(entry('disclosure.wav')).toMatch(/error: 0\.6 s is too short for its text/);
    expect(entry('disclosure.wav')).toMatch(/warning: 44100 Hz/);
    expect(entry('disclosure.wav')).toMatch(/warning: 2 channels/);
    expect(entry('granted.wav')).toMatch(/error: silent/);
    expect(entry('closing.wav')).toMatch(/error: 30\.0 s is too long for its text/);
    expect(entry('handover.wav')).toMatch(/warning: -\d+\.\d LUFS is far from -18 LUFS/);
    expect(entry('info.mp3')).toMatch(/error: not decodable audio/);
    expect(entry('purposes.call.wav')).toMatch(
      /never played: the first purpose is asked by "main", record main\.wav instead/,
    );
    expect(entry('greeting.wav')).toMatch(/never played: locales\/de\/prompts\.json has no text "greeting"/);
    expect(entry('error.ogg')).toMatch(/never played: only \.wav and \.mp3/);
    expect(r.out).toMatch(/9 recorded prompt\(s\) checked .*: 7 error\(s\), 3 warning\(s\)/);
  });
});
