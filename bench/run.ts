import { resolveFfmpeg } from '../src/recording/ffmpeg';
import { benchCut } from './clip';
import { benchEnvelope } from './envelope';
import { benchLedgerWrites } from './ledger-writes';
import { benchPipeline } from './pipeline';
import type { Route } from './protocol';
import { benchVoice } from './voice';

/**
 * Which parts run: `BENCH_PARTS=voice` for the webhooks alone (default: voice,envelope,clip);
 * `writes` (not in the default) replays the ledger writer's commands in-process.
 */
const parts = new Set((process.env.BENCH_PARTS ?? 'voice,envelope,clip').split(','));
const positive = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!(value > 0)) throw new Error(`${name} must be a positive number`);
  return value;
};

/** `npm run bench`: every figure is a ratio against a baseline measured in the same run, or a time against its target. */
async function main(): Promise<void> {
  const seconds = positive('BENCH_SECONDS', 5);
  const rounds = Math.round(positive('BENCH_ROUNDS', 3));
  const say = (s: string): void => void process.stdout.write(`${s}\n`);

  if (parts.has('voice')) {
    say(
      'voice webhooks as `npm start` runs the service (target: throughput ≥ 0.8× and p99 ≤ 1.5× bare Express)',
    );
    const result = await benchVoice({
      seconds,
      rounds,
      connections: Math.round(positive('BENCH_CONNECTIONS', 50)),
      routes: (process.env.BENCH_ROUTES ?? 'incoming,answer').split(',') as Route[],
      cpuProfileDir: process.env.BENCH_CPU_PROF || undefined,
      // An empty PostgreSQL database the service migrates and fills (its ledger instead of SQLite).
      serviceEnv: process.env.BENCH_DATABASE_URL
        ? { DATABASE_URL: process.env.BENCH_DATABASE_URL }
        : undefined,
      log: say,
    });
    for (const r of result.routes)
      say(
        `  ${r.label.padEnd(40)} median: service ${r.service.rps.toFixed(0)} req/s p99 ${r.service.p99} ms | bare ${r.baseline.rps.toFixed(0)} req/s p99 ${r.baseline.p99} ms | ` +
          `throughput ${r.throughputRatio.toFixed(2)}× ${r.throughputRatio >= 0.8 ? 'ok' : 'BELOW TARGET'}, p99 ${r.p99Ratio.toFixed(2)}× ${r.p99Ratio <= 1.5 ? 'ok' : 'ABOVE TARGET'}`,
      );
    const l = result.ledger;
    if (l.calls < 0) say('  ledger afterwards: not counted on PostgreSQL');
    else
      say(
        `  ledger afterwards: ${l.calls} calls, ${l.answers} answers, ${l.consents} consents, ${l.failSafes} fail-safe answers`,
      );
    if (result.serviceOutput.trim())
      say(`  the service logged:\n${result.serviceOutput.trim().slice(-2000)}`);
  }
  if (parts.has('writes')) {
    const prefill = Math.round(positive('BENCH_WRITES_PREFILL', 50_000));
    say(
      `ledger writes in-process (not the service: one thread, a SQLite ledger of ${prefill} calls, transactions of 20 writes)`,
    );
    for (const c of benchLedgerWrites({ calls: 8000, prefill, batch: 20 }))
      say(
        `  ${c.command.padEnd(10)} ${c.cpuUs.toFixed(0)} µs CPU per write (${c.systemUs.toFixed(0)} µs system), ${c.walPages.toFixed(1)} WAL pages`,
      );
  }
  if (!parts.has('envelope') && !parts.has('clip')) return;

  if (parts.has('envelope')) {
    const env = await benchEnvelope(64 * 1024 * 1024);
    say(
      `envelope encryption (64 MiB): ${env.envelopeMBps.toFixed(0)} MB/s vs plain AES-256-GCM ${env.plainMBps.toFixed(0)} MB/s = ${env.ratio.toFixed(2)}× (target ≥ 0.9) ${env.ratio >= 0.9 ? 'ok' : 'BELOW TARGET'}`,
    );
  }
  if (!parts.has('clip')) return;
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
