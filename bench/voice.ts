import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import express from 'express';
import twilio from 'twilio';
import { createApp } from '../src/app';
import { threadedCallWriter } from '../src/calls/ledger-writes';
import { loadConfig } from '../src/config';
import { KeyRing } from '../src/crypto/keyring';
import { Catalog } from '../src/i18n/catalog';
import { Ledger } from '../src/ledger';
import { createLogger } from '../src/logger';
import { CallStateSeal } from '../src/calls/call-state';
import { localesDir, promptsDir } from '../src/config';

export interface LoadResult {
  rps: number;
  p99: number;
}
export interface VoiceBench {
  route: string;
  app: LoadResult;
  baseline: LoadResult;
  /** Medians over the rounds. */
  throughputRatio: number;
  p99Ratio: number;
  rounds: Array<{ throughputRatio: number; p99Ratio: number }>;
}

const TOKEN = 'bench-auth-token';
const CONNECTIONS = 50;
const ROUNDS = 3;

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

async function listen(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Every request is a new, correctly signed Twilio webhook, as production traffic would be. */
function load(
  url: string,
  pathFor: () => string,
  bodyFor: () => Record<string, string>,
  seconds: number,
  sign: boolean,
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            setupRequest: (req) => {
              const p = pathFor();
              const params = bodyFor();
              const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
              if (sign)
                headers['x-twilio-signature'] = twilio.getExpectedTwilioSignature(
                  TOKEN,
                  `${url}${p}`,
                  params,
                );
              return { ...req, path: p, headers, body: new URLSearchParams(params).toString() };
            },
          },
        ],
      },
      (error, result) =>
        error ? reject(error) : resolve({ rps: result.requests.average, p99: result.latency.p99 }),
    );
    instance.on('error', reject);
  });
}

const sid = (): string => `CA${crypto.randomBytes(16).toString('hex')}`;

export async function benchVoice(seconds = 5): Promise<VoiceBench[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-voice-'));
  const bare = express();
  const fixed = new twilio.twiml.VoiceResponse();
  fixed.say('Hallo');
  fixed.redirect('/voice/consent');
  const fixedXml = fixed.toString();
  bare.post('/voice/*splat', (_req, res) => {
    res.type('text/xml').send(fixedXml);
  });
  const baseline = await listen(bare);

  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = loadConfig({
    PUBLIC_BASE_URL: url,
    TWILIO_AUTH_TOKEN: TOKEN,
    DATABASE_PATH: path.join(dir, 'bench.db'),
    LOG_LEVEL: 'silent',
    HUMAN_AGENT_NUMBER: '+4930111222',
  } as NodeJS.ProcessEnv);
  const ledger = new Ledger(config.databasePath, new KeyRing(config.keyRing.entries));
  const catalog = Catalog.load(localesDir(), promptsDir());
  // As in the service: webhooks write through the ledger writer thread.
  const writer = threadedCallWriter(config.databasePath, config.keyRing.entries);
  ledger.db.pragma('wal_autocheckpoint = 0');
  const app = createApp({
    config,
    ledger,
    writer,
    catalog,
    log: createLogger('silent'),
    health: { check: async () => ({ ok: true, checks: {} }) },
  });
  server.on('request', app);

  // Calls that exist, for the gather action.
  const calls: string[] = [];
  const prepare = (): string => {
    const s = sid();
    ledger.startCall({
      callSid: s,
      from: `+49151${crypto.randomInt(1e7, 1e8)}`,
      called: '+4930',
      country: 'DE',
      locale: 'de',
      at: new Date(),
    });
    return s;
  };
  for (let i = 0; i < 2000; i += 1) calls.push(prepare());
  // Every answer is to a question of its own (its start time differs), as in real calls: a repeat
  // of the same question is a Twilio retry, which the service answers without writing.
  let asked = Date.now();
  let i = 0;
  // The state is sealed to its call, so the path (asked first) picks the call the body then names.
  const seal = new CallStateSeal(() => ledger.derivedKey('call-state'));
  let current = calls[0] as string;
  const answerState = (): string => {
    current = calls[(i += 1) % calls.length] as string;
    return seal.seal(
      {
        lng: 'de',
        q: 'purpose',
        pi: 1,
        miss: 0,
        ans: { call: true },
        cid: undefined,
        at: (asked += 1),
        age: 16, // set by /voice/incoming, as in every real call's state
      },
      current,
    );
  };
  const incomingBody = () => ({
    CallSid: sid(),
    AccountSid: 'AC0',
    From: `+49151${crypto.randomInt(1e7, 1e8)}`,
    To: '+4930123',
    FromCountry: 'DE',
    CallStatus: 'ringing',
    Direction: 'inbound',
  });
  const answerBody = () => ({
    CallSid: current,
    AccountSid: 'AC0',
    Digits: '2',
    CallStatus: 'in-progress',
  });

  const results: VoiceBench[] = [];
  for (const route of [
    { name: '/voice/incoming', path: () => '/voice/incoming', body: incomingBody },
    {
      name: 'gather action (/voice/answer)',
      path: () => `/voice/answer?s=${answerState()}`,
      body: answerBody,
    },
  ]) {
    // Warm up both. Then alternate baseline and app in rounds (swapping which goes first), so
    // that a slow spell of a shared machine hits both sides; the median round is reported.
    await load(baseline.url, route.path, route.body, 1, true);
    await load(url, route.path, route.body, 1, true);
    const rounds: Array<{ base: LoadResult; ours: LoadResult }> = [];
    for (let r = 0; r < ROUNDS; r += 1) {
      // The client signs for the baseline too, so both runs carry the same client-side cost.
      const runBase = () => load(baseline.url, route.path, route.body, seconds, true);
      const runOurs = () => load(url, route.path, route.body, seconds, true);
      if (r % 2 === 0) {
        const base = await runBase();
        rounds.push({ base, ours: await runOurs() });
      } else {
        const ours = await runOurs();
        rounds.push({ base: await runBase(), ours });
      }
    }
    results.push({
      route: route.name,
      app: { rps: median(rounds.map((x) => x.ours.rps)), p99: median(rounds.map((x) => x.ours.p99)) },
      baseline: { rps: median(rounds.map((x) => x.base.rps)), p99: median(rounds.map((x) => x.base.p99)) },
      throughputRatio: median(rounds.map((x) => x.ours.rps / x.base.rps)),
      p99Ratio: median(rounds.map((x) => x.ours.p99 / Math.max(1, x.base.p99))),
      rounds: rounds.map((x) => ({
        throughputRatio: x.ours.rps / x.base.rps,
        p99Ratio: x.ours.p99 / Math.max(1, x.base.p99),
      })),
    });
  }
  await baseline.close();
  await new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  await writer.close();
  ledger.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return results;
}
