import fs from 'node:fs';
import path from 'node:path';
import { SqliteDatabase as Database } from '../src/ledger/sqlite/binding';
import {
  cpuSeconds,
  pinning,
  startBaseline,
  startLoadGenerator,
  startS3,
  startService,
  startTwilioStub,
  tempDirectory,
  threadCpuSeconds,
} from './processes';
import type { LoadJob, LoadResult, Route } from './protocol';

/**
 * The voice webhooks measured as users run the service: `node dist/src/main.js` with a production
 * configuration (real s3rver, a ledger file in a temp folder), bare Express returning fixed TwiML,
 * and autocannon, each in a process of its own and pinned to a core where there are two. Rounds
 * alternate baseline and service (swapping which goes first) so that a slow spell of a shared
 * machine hits both; every round and the median are reported.
 */

export interface BenchOptions {
  seconds: number;
  rounds: number;
  connections: number;
  routes: Route[];
  /** Folder for the service's --cpu-prof profiles; none when unset. */
  cpuProfileDir?: string;
  /** Extra environment of the service (e.g. DATABASE_URL). */
  serviceEnv?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface Round {
  baseline: LoadResult;
  service: LoadResult;
  throughputRatio: number;
  p99Ratio: number;
}

export interface RouteBench {
  route: Route;
  label: string;
  rounds: Round[];
  /** Medians over the rounds. */
  baseline: { rps: number; p99: number };
  service: { rps: number; p99: number };
  throughputRatio: number;
  p99Ratio: number;
}

export interface VoiceBenchResult {
  pinning: string;
  routes: RouteBench[];
  /** What the service's ledger holds afterwards: every request was a real write. */
  ledger: { calls: number; answers: number; failSafes: number; consents: number };
  /** Warnings and errors the service logged. */
  serviceOutput: string;
}

const TOKEN = 'bench-auth-token-0123456789abcdef';
const PUBLIC_BASE_URL = 'https://gateway.bench.invalid';
const BUCKET = 'consent-clips';
const LABELS: Record<Route, string> = {
  incoming: '/voice/incoming (a new call each)',
  answer: 'gather action (first answer of a call)',
};

export const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** p99 of autocannon is in whole milliseconds; a 0 ms baseline counts as 1 ms. */
const ratioOf = (service: LoadResult, baseline: LoadResult) => ({
  throughputRatio: service.rps / baseline.rps,
  p99Ratio: service.p99 / Math.max(1, baseline.p99),
});

export async function benchVoice(o: BenchOptions): Promise<VoiceBenchResult> {
  const log = o.log ?? (() => undefined);
  const dir = tempDirectory();
  const pin = pinning();
  const s3 = await startS3(path.join(dir, 's3'), BUCKET);
  const twilioApi = await startTwilioStub();
  const closers: Array<() => Promise<void>> = [() => s3.close(), () => twilioApi.close()];
  try {
    if (o.cpuProfileDir) fs.mkdirSync(o.cpuProfileDir, { recursive: true });
    const service = await startService(
      {
        directory: dir,
        publicBaseUrl: PUBLIC_BASE_URL,
        authToken: TOKEN,
        s3Endpoint: s3.endpoint,
        bucket: BUCKET,
        twilioApi: twilioApi.url,
        nodeFlags: o.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfileDir}`] : [],
        env: o.serviceEnv,
      },
      pin.server,
    );
    closers.unshift(() => service.stop());
    const baseline = await startBaseline(pin.server);
    closers.unshift(() => baseline.stop());
    const generator = startLoadGenerator(pin.load);
    closers.unshift(() => generator.stop());
    log(`  ${pin.note}; ${o.connections} connections, ${o.rounds} alternating rounds of ${o.seconds} s`);

    const job = (route: Route, target: string, seconds: number): LoadJob => ({
      target,
      publicBaseUrl: PUBLIC_BASE_URL,
      token: TOKEN,
      route,
      connections: o.connections,
      seconds,
      consumes: target === service.url,
    });
    /**
     * Enough prepared calls for a round at twice the best rate seen so far (a shared machine's
     * rate swings); the warm-up round measures the first rate, and may run out without harm.
     */
    let bestRate = 1000;
    let pooled = 0;
    const prepareFor = async (route: Route, seconds: number): Promise<void> => {
      if (route !== 'answer') return;
      const needed = Math.ceil(bestRate * seconds * 2) + 200;
      if (pooled < needed)
        pooled = await generator.prepare({
          target: service.url,
          publicBaseUrl: PUBLIC_BASE_URL,
          token: TOKEN,
          calls: needed - pooled,
          concurrency: o.connections,
        });
    };
    /** When each measured service round ran (monotonic µs, the clock of V8's profiles). */
    const windows: Array<{ route: Route; startUs: number; endUs: number }> = [];
    const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
    const runService = async (route: Route, seconds: number): Promise<LoadResult> => {
      await prepareFor(route, seconds);
      const startUs = nowUs();
      const result = await measured(service.child.pid, generator.pid, () =>
        generator.load(job(route, service.url, seconds)),
      );
      windows.push({ route, startUs, endUs: nowUs() });
      if (route === 'answer') pooled -= result.requests - result.exhausted;
      bestRate = Math.max(bestRate, result.rps);
      return result;
    };
    const runBaseline = (route: Route, seconds: number): Promise<LoadResult> =>
      measured(baseline.child.pid, generator.pid, () => generator.load(job(route, baseline.url, seconds)));

    const routes: RouteBench[] = [];
    for (const route of o.routes) {
      // Warm-up of both (JIT, page cache, connection set-up), not counted.
      await prepareFor(route, 1);
      await runBaseline(route, 1);
      await runService(route, 1);
      const rounds: Round[] = [];
      for (let r = 0; r < o.rounds; r += 1) {
        let b: LoadResult;
        let s: LoadResult;
        if (r % 2 === 0) {
          b = await runBaseline(route, o.seconds);
          s = await runService(route, o.seconds);
        } else {
          s = await runService(route, o.seconds);
          b = await runBaseline(route, o.seconds);
        }
        const round = { baseline: b, service: s, ...ratioOf(s, b) };
        rounds.push(round);
        log(`  ${LABELS[route]} round ${r + 1}: ${roundLine(round)}`);
      }
      routes.push({
        route,
        label: LABELS[route],
        rounds,
        baseline: {
          rps: median(rounds.map((x) => x.baseline.rps)),
          p99: median(rounds.map((x) => x.baseline.p99)),
        },
        service: {
          rps: median(rounds.map((x) => x.service.rps)),
          p99: median(rounds.map((x) => x.service.p99)),
        },
        throughputRatio: median(rounds.map((x) => x.throughputRatio)),
        p99Ratio: median(rounds.map((x) => x.p99Ratio)),
      });
    }
    if (o.cpuProfileDir)
      fs.writeFileSync(path.join(o.cpuProfileDir, 'rounds.json'), JSON.stringify(windows, null, 1));
    // Stopped first: requests still in flight when a round ended are committed, and counted.
    await service.stop();
    const ledger = o.serviceEnv?.DATABASE_URL
      ? { calls: -1, answers: -1, failSafes: -1, consents: -1 }
      : countLedger(service.databasePath);
    return { pinning: pin.note, routes, ledger, serviceOutput: service.output() };
  } finally {
    for (const close of closers) await close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function measured(
  pid: number | undefined,
  generatorPid: number | undefined,
  load: () => Promise<LoadResult>,
): Promise<LoadResult> {
  const before = cpuSeconds(pid);
  const threadsBefore = threadCpuSeconds(pid);
  const generatorBefore = cpuSeconds(generatorPid);
  const started = Date.now();
  const result = await load();
  const after = cpuSeconds(pid);
  const threadsAfter = threadCpuSeconds(pid);
  const generatorAfter = cpuSeconds(generatorPid);
  if (before === null || after === null || result.requests === 0) return result;
  return {
    ...result,
    cpuUs: ((after - before) * 1e6) / result.requests,
    threadsUs:
      threadsBefore && threadsAfter
        ? perThread(pid, threadsBefore, threadsAfter, result.requests)
        : undefined,
    generatorBusy:
      generatorBefore === null || generatorAfter === null
        ? undefined
        : ((generatorAfter - generatorBefore) * 1000) / (Date.now() - started),
  };
}

function perThread(
  pid: number | undefined,
  before: Map<number, number>,
  after: Map<number, number>,
  requests: number,
): LoadResult['threadsUs'] {
  const used = [...after].map(([tid, s]) => ({ tid, us: ((s - (before.get(tid) ?? 0)) * 1e6) / requests }));
  const main = used.find((t) => t.tid === pid)?.us ?? 0;
  const others = used.filter((t) => t.tid !== pid).sort((a, b) => b.us - a.us);
  const busiest = others[0]?.us ?? 0;
  const rest = others.slice(1).reduce((sum, t) => sum + t.us, 0);
  return { main, busiest, rest };
}

function roundLine(r: Round): string {
  const side = (x: LoadResult, busiest?: string): string =>
    `${x.rps.toFixed(0)} req/s p99 ${x.p99} ms${x.cpuUs === undefined ? '' : ` ${x.cpuUs.toFixed(0)} µs CPU/req`}${x.threadsUs && busiest ? ` (main ${x.threadsUs.main.toFixed(0)}, ${busiest} ${x.threadsUs.busiest.toFixed(0)}, other threads ${x.threadsUs.rest.toFixed(0)})` : ''}${x.generatorBusy === undefined ? '' : ` (load generator ${(x.generatorBusy * 100).toFixed(0)} %)`}${x.non2xx + x.errors > 0 ? ` (${x.non2xx} non-2xx, ${x.errors} errors)` : ''}`;
  const ran = r.service.exhausted > 0 ? `, ran out of prepared calls: ${r.service.exhausted} repeats` : '';
  return `bare ${side(r.baseline)} | service ${side(r.service, 'busiest other thread')} | ${r.throughputRatio.toFixed(2)}× / p99 ${r.p99Ratio.toFixed(2)}×${ran}`;
}

function countLedger(databasePath: string): VoiceBenchResult['ledger'] {
  const db = new Database(databasePath, { readonly: true });
  try {
    const count = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;
    return {
      calls: count('SELECT count(*) AS n FROM calls'),
      answers: count("SELECT count(*) AS n FROM events WHERE type = 'answer'"),
      failSafes: count("SELECT count(*) AS n FROM events WHERE type = 'fail_safe'"),
      consents: count('SELECT count(*) AS n FROM consents'),
    };
  } finally {
    db.close();
  }
}
