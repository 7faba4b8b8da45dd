/** Messages between the bench (bench/voice.ts) and its load generator process (bench/load-generator.ts). */

export type Route = 'incoming' | 'answer';

export interface PrepareJob {
  /** Where the service listens (loopback). */
  target: string;
  /** The URL the service believes it has: what Twilio signs. */
  publicBaseUrl: string;
  token: string;
  calls: number;
  concurrency: number;
}

export interface LoadJob {
  target: string;
  publicBaseUrl: string;
  token: string;
  route: Route;
  connections: number;
  seconds: number;
  /** Against the service: every gather action answers a prepared call of its own, once. */
  consumes: boolean;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** Requests sent after the prepared calls ran out (a repeat of an answered call's request). */
  exhausted: number;
  /** CPU time the server process used per request in the round (all threads), µs; set by the bench. */
  cpuUs?: number;
  /** Of cpuUs: the main thread's, the busiest other thread's (the ledger writer), the rest; set by the bench. */
  threadsUs?: { main: number; busiest: number; rest: number };
  /** Share of its core the load generator used in the round: near 100 %, it set the pace. */
  generatorBusy?: number;
}

export type ToLoadGenerator =
  | { id: number; kind: 'prepare'; job: PrepareJob }
  | { id: number; kind: 'load'; job: LoadJob }
  | { id: number; kind: 'exit' };

export type FromLoadGenerator =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };
