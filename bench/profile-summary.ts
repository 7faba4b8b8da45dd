import fs from 'node:fs';
import path from 'node:path';

/**
 * `node dist/bench/profile-summary.js <folder>`: the top self-time and total-time functions of the
 * service's --cpu-prof profiles (one per thread) written by `BENCH_CPU_PROF=<folder> npm run bench`,
 * counting only the samples taken while a measured service round of each route ran (rounds.json),
 * so that preparing calls and the baseline's rounds do not blur the picture.
 */

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}
interface Window {
  route: string;
  startUs: number;
  endUs: number;
}

const TOP = Number(process.env.TOP ?? 25);

function label(n: Node): string {
  const f = n.callFrame;
  const file = f.url
    ? f.url
        .replace(/^file:\/\//, '')
        .replace(/^.*\/node_modules\//, '~/')
        .replace(/^.*\/dist\//, '')
    : '';
  return `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
}

function summarise(profile: Profile, windows: Window[]): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const out: string[] = [];
  for (const route of [...new Set(windows.map((w) => w.route))]) {
    const mine = windows.filter((w) => w.route === route);
    const self = new Map<string, number>();
    const total = new Map<string, number>();
    let samples = 0;
    let wallUs = 0;
    for (const w of mine) wallUs += w.endUs - w.startUs;
    let t = profile.startTime;
    profile.samples.forEach((id, i) => {
      t += profile.timeDeltas[i] ?? 0;
      if (!mine.some((w) => t >= w.startUs && t <= w.endUs)) return;
      samples += 1;
      const leaf = byId.get(id);
      if (!leaf) return;
      self.set(label(leaf), (self.get(label(leaf)) ?? 0) + 1);
      const seen = new Set<string>();
      for (let n: Node | undefined = leaf; n; n = byId.get(parent.get(n.id) ?? -1)) {
        const l = label(n);
        if (seen.has(l)) continue;
        seen.add(l);
        total.set(l, (total.get(l) ?? 0) + 1);
      }
    });
    if (samples === 0) continue;
    const idle = self.get('(idle)') ?? 0;
    out.push(
      `  ${route}: ${samples} samples in ${(wallUs / 1e6).toFixed(1)} s of rounds, busy ${(((samples - idle) / samples) * 100).toFixed(0)} %`,
    );
    const top = (m: Map<string, number>, title: string): void => {
      out.push(`    top ${title} (share of all samples in the rounds):`);
      for (const [name, n] of [...m].sort((a, b) => b[1] - a[1]).slice(0, TOP))
        out.push(`      ${((n / samples) * 100).toFixed(1).padStart(5)} %  ${name}`);
    };
    top(self, 'self time');
    top(new Map([...total].filter(([name]) => !/^\((root|program|idle)\)/.test(name))), 'total time');
  }
  return out;
}

function main(): void {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: profile-summary <folder of .cpuprofile files and rounds.json>');
  const windows = JSON.parse(fs.readFileSync(path.join(dir, 'rounds.json'), 'utf8')) as Window[];
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()) {
    const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Profile;
    const lines = summarise(profile, windows);
    if (lines.length === 0) continue;
    process.stdout.write(`${file}\n${lines.join('\n')}\n`);
  }
}

main();
