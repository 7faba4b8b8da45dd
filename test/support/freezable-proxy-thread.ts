import { parentPort, Worker, workerData } from 'node:worker_threads';
import path from 'node:path';
import { typeScriptBootstrap } from '../../src/ledger/writer';
import { startFreezableProxy } from './freezable-proxy';

/**
 * The freezable proxy on a thread of its own, for a test whose own thread blocks on a synchronous
 * PostgreSQL client (Atomics.wait): a proxy on that thread would move no byte while it waits.
 */
export interface FreezableProxyThread {
  port: number;
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  close(): Promise<void>;
}

export async function startFreezableProxyThread(targetPort: number): Promise<FreezableProxyThread> {
  const worker = new Worker(
    typeScriptBootstrap(path.join(__dirname, 'freezable-proxy-thread.ts'), require.resolve('@swc/core')),
    {
      eval: true,
      workerData: { targetPort },
    },
  );
  const reply = (): Promise<number> =>
    new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  const port = await reply();
  const ask = async (command: string): Promise<void> => {
    const done = reply();
    worker.postMessage(command);
    await done;
  };
  return {
    port,
    freeze: () => ask('freeze'),
    thaw: () => ask('thaw'),
    close: async () => {
      await ask('close');
      await worker.terminate();
    },
  };
}

// The thread's side.
if (parentPort && (workerData as { targetPort?: number } | null)?.targetPort) {
  const port = parentPort;
  void startFreezableProxy((workerData as { targetPort: number }).targetPort).then((proxy) => {
    port.postMessage(proxy.port);
    port.on('message', (command: string) => {
      if (command === 'freeze') proxy.freeze();
      else if (command === 'thaw') proxy.thaw();
      else void proxy.close().then(() => port.postMessage(0));
      if (command !== 'close') port.postMessage(0);
    });
  });
}
