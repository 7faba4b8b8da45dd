import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../src/app';
import express from 'express';
import { loadConfig, localesDir, type Config } from '../../src/config';
import { Catalog } from '../../src/i18n/catalog';
import { createAuditRouter } from '../../src/http/audit';
import { createLogger } from '../../src/logger';
import { openRuntime, type Runtime } from '../../src/runtime';
import { listenBesideEmulator } from './gateway';
import type { TwilioEmulator } from './twilio-emulator';

/**
 * The whole service as an inquiry meets it: voice webhooks the Twilio emulator calls, and the
 * auditor portal on the same server, one SQLite file, the embedded S3 store. Calls are made
 * through the real webhooks, so the portal reads the events the call flow really writes.
 */
export interface DeskPortal {
  url: string;
  rt: Runtime;
  config: Config;
  emulator: TwilioEmulator;
  /** Runs every due background job once (clips, deletions), as the worker would. */
  runJobs(): Promise<number>;
  close(): Promise<void>;
}

export async function startDeskPortal(
  env: Record<string, string> = {},
  options: { promptsDir?: string } = {},
): Promise<DeskPortal> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-'));
  const { server, url, emulator, serviceEnv } = await listenBesideEmulator(dir);
  const config = loadConfig({
    ...serviceEnv,
    LOG_LEVEL: 'silent',
    ...env,
  } as NodeJS.ProcessEnv);
  const log = createLogger(config.logLevel);
  const rt = await openRuntime(config, log);
  // Recorded prompts of the test's own: the calls play them and the portal shows them beside their text.
  const catalog = options.promptsDir ? Catalog.load(localesDir(), options.promptsDir) : rt.catalog;
  const app = createApp({
    config,
    ledger: rt.ledger,
    catalog,
    privacyTexts: rt.privacyTexts,
    log,
    health: rt.health,
    checkpoints: rt.checkpoints,
    mount: (a) => {
      if (options.promptsDir) a.use('/prompts', express.static(options.promptsDir, { index: false }));
      a.use(
        '/audit',
        createAuditRouter({
          ledger: rt.ledger,
          store: rt.store,
          config,
          log,
          checkpoints: rt.checkpoints,
          catalog,
        }),
      );
    },
  });
  server.on('request', app);
  return {
    url,
    rt,
    config,
    emulator,
    runJobs: () => rt.jobs.runDue(),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await emulator.close();
      await rt.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
