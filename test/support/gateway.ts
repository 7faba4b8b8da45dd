import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import { createService } from '../../src/app';
import { createAuditRouter } from '../../src/http/audit';
import { callReport, type CallReport } from '../../src/cli/call-report';
import { loadConfig, localesDir, promptsDir, type Config } from '../../src/config';
import { NoticeSet, withNoticeHealth } from '../../src/notices/notice-set';
import { createLogger } from '../../src/logger';
import { openRuntime, type Runtime, type WriterChoice } from '../../src/runtime';
import { TwilioEmulator } from './twilio-emulator';
import { testDatabaseEnv } from './test-database';

export const ACCOUNT_SID = `AC${'a1'.repeat(16)}`;
export const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
export const KEYS = `k1:${Buffer.alloc(32, 7).toString('base64')}`;

export interface Gateway {
  url: string;
  /** Requests the loopback AI assistant received (its URL is ASSISTANT_URL), with the consent token. */
  assistantRequests: Array<{ query: Record<string, string>; body: Record<string, string> }>;
  config: Config;
  runtime: Runtime;
  /** Which notice version callers hear; reload() as SIGHUP does. */
  notices: NoticeSet;
  emulator: TwilioEmulator;
  dir: string;
  report(callSid: string): CallReport;
  /** Runs every due background job once, as the worker would. */
  runJobs(): Promise<number>;
  close(): Promise<void>;
}

/**
 * A server on a free loopback port for the service, the Twilio emulator calling it, and the
 * environment that points the service at both (its ledger in `dir`, the test keys, a human agent).
 */
export async function listenBesideEmulator(dir: string): Promise<{
  server: http.Server;
  url: string;
  emulator: TwilioEmulator;
  serviceEnv: Record<string, string>;
}> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const emulator = await TwilioEmulator.start({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    appBaseUrl: url,
  });
  const serviceEnv = {
    PUBLIC_BASE_URL: url,
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    TWILIO_API_BASE: emulator.apiBase,
    ...testDatabaseEnv(path.join(dir, 'consent.db')),
    CONSENT_KEYS: KEYS,
    HUMAN_AGENT_NUMBER: '+4930111222',
  };
  return { server, url, emulator, serviceEnv };
}

/**
 * The real service on a loopback port, with a real SQLite file, the embedded s3rver store and the
 * Twilio emulator on the other side. Jobs run only when a test asks, so tests are deterministic.
 */
export async function startGateway(
  env: Record<string, string> = {},
  options: {
    dir?: string;
    /** Mount the auditor portal at /audit, as main does. */
    portal?: boolean;
    /** Locale and prompt folders other than the project's (a copy a test may edit). */
    localesDir?: string;
    promptsDir?: string;
    /** A path PUBLIC_BASE_URL ends in (`/ivr`), which Twilio then calls under, unstripped by any proxy. */
    basePath?: string;
    /** How webhooks write: as the server chooses for this machine (default), or one way for a test. */
    writer?: WriterChoice;
  } = {},
): Promise<Gateway> {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-'));
  const assistantRequests: Gateway['assistantRequests'] = [];
  const assistant = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      assistantRequests.push({
        query: Object.fromEntries(u.searchParams),
        body: Object.fromEntries(new URLSearchParams(raw)),
      });
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Response><Say>assistant speaking</Say><Hangup/></Response>',
      );
    });
  });
  await new Promise<void>((resolve) => assistant.listen(0, '127.0.0.1', resolve));
  const assistantUrl = `http://127.0.0.1:${(assistant.address() as AddressInfo).port}/twiml`;
  const { server, url, emulator, serviceEnv } = await listenBesideEmulator(dir);
  if (options.basePath) emulator.options.appBaseUrl = `${url}${options.basePath}`;
  const configEnv = {
    ...serviceEnv,
    PUBLIC_BASE_URL: emulator.options.appBaseUrl,
    ASSISTANT_URL: assistantUrl,
    PRIVACY_URL: 'https://example.com/privacy',
    LOG_LEVEL: 'silent',
    ...env,
  } as NodeJS.ProcessEnv;
  const config = loadConfig(configEnv);
  const log = createLogger(config.logLevel);
  const runtime = await openRuntime(config, log, { writer: options.writer ?? 'serving' });
  const notices = NoticeSet.open({
    ledger: runtime.ledger,
    config,
    log,
    localesDir: options.localesDir ?? localesDir(),
    promptsDir: options.promptsDir ?? promptsDir(),
    readOperator: () => loadConfig(configEnv).operator,
  });
  const { listener } = createService({
    config,
    ledger: runtime.ledger,
    writer: runtime.writer,
    catalog: runtime.catalog,
    speech: notices,
    privacyTexts: runtime.privacyTexts,
    log,
    health: withNoticeHealth(runtime.health, notices),
    checkpoints: runtime.checkpoints,
    ...(options.portal
      ? {
          mount: (a: Express) =>
            a.use(
              '/audit',
              createAuditRouter({
                ledger: runtime.ledger,
                store: runtime.store,
                config,
                log,
                checkpoints: runtime.checkpoints,
                notices,
              }),
            ),
        }
      : {}),
  });
  server.on('request', listener);
  return {
    url,
    assistantRequests,
    config,
    runtime,
    notices,
    emulator,
    dir,
    report: (callSid) => {
      const report = callReport(runtime.ledger, callSid);
      if (!report) throw new Error(`no call ${callSid} in the ledger`);
      return report;
    },
    runJobs: () => runtime.jobs.runDue(),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await emulator.close();
      await new Promise<void>((resolve) => assistant.close(() => resolve()));
      await runtime.close();
      if (!options.dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The data of a call's events of one type, in ledger order. */
export const eventData = (gw: Gateway, callSid: string, type: string): Array<Record<string, unknown>> =>
  (
    gw.runtime.ledger.db
      .prepare('SELECT data FROM events WHERE call_sid = ? AND type = ? ORDER BY seq')
      .pluck()
      .all(callSid, type) as string[]
  ).map((d) => JSON.parse(d) as Record<string, unknown>);

export const said = (heard: Array<{ verb: string; text?: string }>): string =>
  heard
    .filter((h) => h.verb === 'Say')
    .map((h) => h.text ?? '')
    .join(' | ');
