import type { Logger } from 'pino';
import type { Config } from '../config';
import type { CheckpointStore } from '../storage/checkpoint-store';
import { Checkpoints, TICK_MS } from './checkpoints';
import type { Ledger } from './ledger';

/** The log's origin line: the public host, so that two deployments never share a name. */
export function logOrigin(publicBaseUrl: string): string {
  return `${new URL(publicBaseUrl).host}/consent-ledger`;
}

export function openCheckpoints(
  ledger: Ledger,
  store: CheckpointStore,
  config: Config,
  log: Logger,
): Checkpoints {
  return new Checkpoints({
    ledger,
    store,
    origin: logOrigin(config.publicBaseUrl),
    log: log.child({ module: 'checkpoints' }),
    minGapMs: config.checkpointSeconds * 1000,
  });
}

/** How often a server looks: often enough that the gap plus one look stays under a minute. */
export const tickMsFor = (config: Config): number =>
  Math.min(TICK_MS, Math.max(250, (config.checkpointSeconds * 1000) / 4));
