import { resolveFfmpeg } from '../src/recording/ffmpeg';
import { benchCut } from './clip';
import { benchEnvelope } from './envelope';
import { benchPipeline } from './pipeline';
import { benchVoice } from './voice';

/** `npm run bench`: every figure is a ratio against a baseline measured in the same run, or a time against its target. */
async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const lines: string[] = [];
  const say = (s: string): void => {
    lines.push(s);
    process.stdout.write(`${s}\n`);
  };

  say(
    `voice webhooks, 50 connections, 3 alternating rounds of ${seconds} s, median round (target: throughput ≥ 0.8× and p99 ≤ 1.5× bare Express)`,
  );
  for (const r of await benchVoice(seconds)) {
    say(
      `  ${r.route.padEnd(32)} app ${r.app.rps.toFixed(0)} req/s p99 ${r.app.p99} ms | bare ${r.baseline.rps.toFixed(0)} req/s p99 ${r.baseline.p99} ms | ` +
        `throughput ${r.throughputRatio.toFixed(2)}× ${r.throughputRatio >= 0.8 ? 'ok' : 'BELOW TARGET'}, p99 ${r.p99Ratio.toFixed(2)}× ${r.p99Ratio <= 1.5 ? 'ok' : 'ABOVE TARGET'}` +
        ` (rounds: ${r.rounds.map((x) => `${x.throughputRatio.toFixed(2)}×/${x.p99Ratio.toFixed(2)}×`).join(' ')})`,
    );
  }

  const env = await benchEnvelope(64 * 1024 * 1024);
  say(
    `envelope encryption (64 MiB): ${env.envelopeMBps.toFixed(0)} MB/s vs plain AES-256-GCM ${env.plainMBps.toFixed(0)} MB/s = ${env.ratio.toFixed(2)}× (target ≥ 0.9) ${env.ratio >= 0.9 ? 'ok' : 'BELOW TARGET'}`,
  );

  const ffmpeg = resolveFfmpeg(process.env.FFMPEG_PATH);
  if (!ffmpeg) {
    say('clip pipeline: skipped, no ffmpeg');
  } else {
    for (const minutes of [5, 60]) {
      const cut = await benchCut(ffmpeg, minutes);
      say(`  ffmpeg cut of 20 s from a ${minutes}-minute WAV: ${cut.seconds.toFixed(3)} s`);
    }
    for (const [minutes, target] of [
      [5, 0.5],
      [60, 1.5],
    ] as const) {
      const p = await benchPipeline(ffmpeg, minutes);
      say(
        `clip pipeline, ${minutes}-minute recording (${p.wavMB.toFixed(0)} MB WAV): callback → stored clip ${p.seconds.toFixed(3)} s (target ≤ ${target} s) ${p.seconds <= target ? 'ok' : 'ABOVE TARGET'}`,
      );
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
