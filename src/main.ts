import http from 'node:http';
import { createService } from './app';
import { createAuditRouter } from './http/audit';
import { ConfigError, loadConfig, localesDir, promptsDir } from './config';
import { NoticeSet, withNoticeHealth } from './notices/notice-set';
import { createLogger } from './logger';
import { scheduleRetention } from './lifecycle/retention-job';
import { sweepTempFiles } from './jobs/temp-files';
import { scheduleSweep } from './jobs/twilio-sweep';
import { LostCallbackSweep } from './jobs/lost-callbacks';
import { openRuntime } from './runtime';
import { tickMsFor } from './ledger/checkpoints-runtime';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  for (const note of config.defaultsInUse) log.warn(note);
  let runtime;
  try {
    runtime = await openRuntime(config, log, { writer: 'serving' });
  } catch (error) {
    // Operator texts missing in a shipped locale (production): named, like a bad variable.
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  if (!runtime.ffmpeg())
    log.warn('ffmpeg not found: consent clips wait until it is installed (set FFMPEG_PATH)');
  runtime.jobs.start();
  // The start-up check against the bucket's checkpoints, before the first call is taken.
  await runtime.checkpoints.start(tickMsFor(config));
  // Retention applies at start and then every hour, as a durable job (see lifecycle/retention-job).
  scheduleRetention(runtime.ledger, new Date());
  // What a crash left (a plain WAV in the temp folder) goes now; lost Twilio callbacks are found by the sweep.
  sweepTempFiles();
  scheduleSweep(runtime.ledger, new Date());
  runtime.jobs.poke();
  // What callers hear: the approved version (production plays nothing else), reloaded on SIGHUP.
  const notices = NoticeSet.open({
    ledger: runtime.ledger,
    config,
    log: log.child({ module: 'notices' }),
    localesDir: localesDir(),
    promptsDir: promptsDir(),
    readOperator: () => loadConfig().operator,
  });
  notices.start();
  process.on('SIGHUP', () => {
    notices.reload();
  });
  const lostCallbacks = new LostCallbackSweep({
    ledger: runtime.ledger,
    graceMs: config.sweepGraceSeconds * 1000,
    log: log.child({ module: 'sweep' }),
    onQueued: () => runtime.jobs.poke(),
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
    onJob: () => runtime.jobs.poke(),
    onCallbackLost: () => lostCallbacks.noteLost(),
    mount: (app) =>
      app.use(
        '/audit',
        createAuditRouter({
          ledger: runtime.ledger,
          store: runtime.store,
          config,
          log,
          checkpoints: runtime.checkpoints,
          onJob: () => runtime.jobs.poke(),
          catalog: runtime.catalog,
          notices,
        }),
      ),
  });
  const server = http.createServer(listener);
  server.keepAliveTimeout = 65_000;
  server.listen(config.port, () =>
    log.info(
      { port: config.port, publicBaseUrl: config.publicBaseUrl, locales: runtime.catalog.locales },
      'consent gateway listening',
    ),
  );

  const shutdown = (signal: string): void => {
    log.info({ signal }, 'shutting down');
    server.close(() => {
      notices.stop();
      lostCallbacks.stop();
      void runtime.close().then(() => process.exit(0));
    });
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('uncaughtException', (error) => {
    log.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
}

void main();
