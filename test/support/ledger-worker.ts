import path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { KeyRing } from '../../src/crypto/keyring';
import { Ledger } from '../../src/ledger/ledger';
import { claimJob } from '../../src/ledger/jobs-repo';
import { typeScriptBootstrap } from '../../src/ledger/writer';

/**
 * A ledger on a thread of its own, with its own connection, as another process or instance has:
 * for tests of what happens when several of them write at the same moment. Every thread waits at
 * a shared start line, so their work really overlaps.
 */
export type LedgerTask =
  | { kind: 'open' }
  /** Opens and closes each file in turn, every round started with the other `parties` at once. */
  | { kind: 'open-each'; files: string[]; parties: number }
  | { kind: 'append'; count: number; label: string }
  | { kind: 'claim'; owner: string };

interface Data {
  role: 'ledger-test-worker';
  location: string;
  key: string;
  task: LedgerTask;
  start: SharedArrayBuffer;
}

/** Starts one thread per task; `go()` lets them all start at once and resolves with their results. */
export function ledgerThreads(
  location: string,
  key: Buffer,
  tasks: LedgerTask[],
): { go: () => Promise<unknown[]> } {
  // [0]: the start line; [1]: rounds finished, summed over the threads (open-each).
  const start = new SharedArrayBuffer(8);
  const ready: Array<Promise<void>> = [];
  const results = tasks.map((task) => {
    const data: Data = { role: 'ledger-test-worker', location, key: key.toString('base64'), task, start };
    const worker = new Worker(typeScriptBootstrap(__filename, require.resolve('@swc/core')), {
      eval: true,
      workerData: data,
    });
    let markReady: () => void = () => undefined;
    ready.push(new Promise<void>((resolve) => (markReady = resolve)));
    return new Promise<unknown>((resolve, reject) => {
      worker.on('message', (m: { ready?: true; result?: unknown; error?: string }) => {
        if (m.ready) markReady();
        else if (m.error) reject(new Error(m.error));
        else resolve(m.result);
      });
      worker.on('error', reject);
    });
  });
  return {
    async go() {
      await Promise.all(ready);
      const flag = new Int32Array(start);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      return Promise.all(results);
    },
  };
}

function serve(data: Data, port: NonNullable<typeof parentPort>): void {
  const ring = new KeyRing([{ id: 'k1', key: Buffer.from(data.key, 'base64') }]);
  const waitForStart = (): void => {
    port.postMessage({ ready: true });
    Atomics.wait(new Int32Array(data.start), 0, 0, 30_000);
  };
  let ledger: Ledger | null = null;
  try {
    if (data.task.kind === 'open-each') {
      waitForStart();
      port.postMessage({ result: openEach(data.task, ring, new Int32Array(data.start)) });
      return;
    }
    if (data.task.kind === 'open') {
      waitForStart();
      ledger = new Ledger(data.location, ring);
      port.postMessage({ result: ledger.merkle.size() });
      return;
    }
    ledger = new Ledger(data.location, ring);
    waitForStart();
    if (data.task.kind === 'append') {
      for (let i = 0; i < data.task.count; i += 1) {
        const l: Ledger = ledger;
        const label = data.task.label;
        l.transaction(() => l.append([{ type: 'test', callSid: label, at: new Date(), data: { i } }]));
      }
      port.postMessage({ result: data.task.count });
      return;
    }
    const claimed: number[] = [];
    for (;;) {
      const job = claimJob(ledger.db, { now: Date.now(), leaseMs: 60_000, owner: data.task.owner });
      if (!job) break;
      claimed.push(job.id);
    }
    port.postMessage({ result: claimed });
  } catch (error) {
    port.postMessage({ error: (error as Error).message });
  } finally {
    ledger?.close();
  }
}

/** The errors of opening each file, the threads meeting at a barrier before every next file. */
function openEach(task: { files: string[]; parties: number }, ring: KeyRing, shared: Int32Array): string[] {
  const errors: string[] = [];
  task.files.forEach((file, round) => {
    try {
      new Ledger(file, ring).close();
    } catch (error) {
      errors.push(`${path.basename(file)}: ${(error as Error).message}`);
    }
    Atomics.add(shared, 1, 1);
    Atomics.notify(shared, 1);
    for (
      let seen = Atomics.load(shared, 1);
      seen < task.parties * (round + 1);
      seen = Atomics.load(shared, 1)
    )
      Atomics.wait(shared, 1, seen, 1000);
  });
  return errors;
}

if (!isMainThread && parentPort && (workerData as Data | undefined)?.role === 'ledger-test-worker')
  serve(workerData as Data, parentPort);
