import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cutClip, makeToneWav } from '../src/recording/ffmpeg';

/** ffmpeg alone: cut 20 s out of a recording of `minutes` and encode it (WAV generation not timed). */
export async function benchCut(ffmpeg: string, minutes: number): Promise<{ seconds: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cut-'));
  try {
    const wav = path.join(dir, 'in.wav');
    await makeToneWav({ ffmpeg, output: wav, seconds: minutes * 60 });
    let best = Infinity;
    for (let i = 0; i < 3; i += 1) {
      const start = process.hrtime.bigint();
      await cutClip({
        ffmpeg,
        input: wav,
        startSec: minutes * 30,
        endSec: minutes * 30 + 20,
        output: path.join(dir, `out${i}.mp3`),
      });
      best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
    }
    return { seconds: best };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
