import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { HealthSource } from './app';
import { ConfigError, localesDir, promptsDir, type Config } from './config';
import { KeyRing } from './crypto/keyring';
import { inlineCallWriter, localCallWriter, threadedCallWriter } from './calls/call-writers';
import { isPostgresUrl } from './ledger/driver';
import type { CallWrites } from './calls/ledger-writes';
import { Catalog } from './i18n/catalog';
import { operatorTextProblems } from './i18n/operator-texts';
import { createJobHandlers, giveUpHandlers } from './jobs/handlers';
import { JobRunner } from './jobs/queue';
import { createSweepJob, SWEEP_JOB } from './jobs/twilio-sweep';
import { jobHealth } from './ledger/jobs-repo';
import { RETENTION_JOB, retentionJobHandler } from './lifecycle/retention-job';
import { Ledger } from './ledger';
import { createLifecycleHandlers } from './lifecycle/handlers';
import { outboundOf } from './outbound/outbound';
import { PrivacyTexts } from './privacy/texts';
import type { LedgerWriter } from './ledger/writer';
import { resolveFfmpeg } from './recording/ffmpeg';
import type { ClipStore } from './storage/clip-store';
import { startEmbeddedS3 } from './storage/embedded-s3';
import { createS3ClipStore, type S3Options } from './storage/s3-clip-store';
import { createS3CheckpointStore } from './storage/checkpoint-store';
import { storeReachability } from './storage/store-reachability';
import { openCheckpoints } from './ledger/checkpoints-runtime';
import type { Checkpoints } from './ledger/checkpoints';
import { limitPostgresRoundTrips, SERVING_ANSWER_MS } from './ledger/postgres/sync-client';
import { createTwilioApi, type TwilioApi } from './twilio/rest';

export interface Runtime {
  config: Config;
  ledger: Ledger;
  /** Where the voice webhooks write. */
  writer: LedgerWriter<CallWrites>;
  catalog: Catalog;
  /** The privacy pages' and receipts' texts (locales/<lng>/privacy.json). */
  privacyTexts: PrivacyTexts;
  store: ClipStore;
  twilio: TwilioApi;
  jobs: JobRunner;
  health: HealthSource;
  /** Signed checkpoints of the event log; the server starts their rounds, the CLI only reads. */
  checkpoints: Checkpoints;
  ffmpeg: () => string | null;
  close(): Promise<void>;
}

/**
 * How the voice webhooks' writes reach the ledger. `serving` (the server): a writer thread beside
 * the event loop where there is a core for it (and always on PostgreSQL, whose round trips must
 * not block the loop), else the local writer on the loop's own thread; the WAL is kept the same
 * way by both (see LocalWriter). Without it (the CLI, tools): inline, group-committed.
 */
export type WriterChoice = 'serving' | 'thread' | 'local' | 'inline';

function writerFor(choice: WriterChoice, config: Config): Exclude<WriterChoice, 'serving'> {
  if (choice !== 'serving') return choice;
  return isPostgresUrl(config.database) || os.availableParallelism() >= 2 ? 'thread' : 'local';
}

/** Opens everything the service and the CLI share; the embedded S3 store starts only when no bucket is set. */
export async function openRuntime(
  config: Config,
  log: Logger,
  options: { writer?: WriterChoice } = {},
): Promise<Runtime> {
  const catalog = Catalog.load(localesDir(), promptsDir());
  // Every operator text a caller hears exists in every shipped locale, or production does not start.
  const untranslated = operatorTextProblems(config.operator, catalog);
  if (untranslated.length > 0 && config.production) throw new ConfigError(untranslated);
  for (const problem of untranslated)
    log.warn(`${problem}: callers in that locale hear the sentence in ${config.defaultLocale}`);
  const choice = writerFor(options.writer ?? 'inline', config);
  const serving = choice !== 'inline';
  // Serving webhooks (the writer thread does the same): a PostgreSQL that stops answering is given
  // up on in seconds, not minutes, so that callers get their fail-safe answer before Twilio gives up.
  if (serving) limitPostgresRoundTrips(SERVING_ANSWER_MS);
  const ledger = new Ledger(config.database, new KeyRing(config.keyRing.entries));
  // Serving, the checkpointer alone moves the WAL into the file (see ThreadWriter, LocalWriter).
  if (serving) ledger.db.sqlite?.pragma('wal_autocheckpoint = 0');
  const writer =
    choice === 'thread'
      ? threadedCallWriter(config.database, config.keyRing.entries)
      : choice === 'local' && ledger.db.sqlite
        ? localCallWriter(ledger, config.database)
        : inlineCallWriter(ledger);
  if (serving)
    log.info(
      { ledgerWriter: choice, cores: os.availableParallelism() },
      choice === 'thread'
        ? 'ledger writes on a thread of their own'
        : 'ledger writes on the event loop (one core)',
    );
  let closeStore = async (): Promise<void> => undefined;
  let s3Options: S3Options;
  if (config.s3) {
    s3Options = config.s3;
  } else {
    const embedded = await startEmbeddedS3({
      directory: path.join(path.dirname(config.databasePath), 's3'),
      bucket: 'consent-clips',
    });
    s3Options = {
      bucket: embedded.bucket,
      region: 'us-east-1',
      endpoint: embedded.endpoint,
      forcePathStyle: true,
      credentials: embedded.credentials,
    };
    closeStore = embedded.close;
  }
  const store: ClipStore = createS3ClipStore(s3Options);
  const checkpoints = openCheckpoints(ledger, createS3CheckpointStore(s3Options), config, log);
  const twilio = createTwilioApi({
    apiBase: config.twilio.apiBase,
    accountSid: config.twilio.accountSid,
    authToken: config.twilio.authToken,
  });
  const ffmpeg = (): string | null => resolveFfmpeg(config.ffmpegPath ?? undefined);
  const handlers = createJobHandlers({
    ledger,
    store,
    twilio,
    catalog,
    ffmpeg,
    log,
    company: config.operator.company,
    privacyUrl: config.privacyUrl,
  });
  handlers[RETENTION_JOB] = retentionJobHandler({
    ledger,
    schedule: config.operator.purposes,
    log: log.child({ module: 'retention' }),
    outbound: outboundOf(config),
  });
  const privacyTexts = PrivacyTexts.load(localesDir(), config.defaultLocale);
  const lifecycle = createLifecycleHandlers({ ledger, store, twilio, texts: privacyTexts, config, log });
  handlers[SWEEP_JOB] = createSweepJob({
    ledger,
    twilio,
    log: log.child({ module: 'sweep' }),
    graceMs: config.sweepGraceSeconds * 1000,
  });
  const jobs = new JobRunner(ledger, { ...handlers, ...lifecycle }, log.child({ module: 'jobs' }), {
    onGiveUp: giveUpHandlers,
    leaseMs: config.jobLeaseSeconds * 1000,
  });
  const storeReachable = storeReachability(() => store.ping());
  const health: HealthSource = {
    async check() {
      const checks: Record<string, string> = {};
      let ok = true;
      try {
        ledger.db.prepare('SELECT 1').get();
        // A ledger behind its published checkpoints still takes calls (fail safe for callers).
        checks.ledger = checkpoints.status();
      } catch (error) {
        ok = false;
        checks.ledger = `unavailable: ${(error as Error).message}`;
      }
      checks.ffmpeg = ffmpeg() ? 'ok' : 'missing: clip jobs wait until ffmpeg is installed (FFMPEG_PATH)';
      // Deletions that keep failing or are overdue leave personal data out there: not "ok".
      // A ledger that cannot be read has no job counts to give: the answer still names why.
      const jobs = ok ? jobHealth(ledger.db, Date.now()) : undefined;
      checks.jobs = jobs
        ? `${jobs.pending + jobs.running} pending, ${jobs.failed} failed; deletions ${jobs.status}`
        : 'unknown: the ledger is unavailable';
      // Clips and deletions wait in the outbox while the store is gone: calls go on, "degraded".
      const store = await storeReachable();
      checks.clipStore = `${config.s3 ? 's3' : 'embedded'}${store === 'ok' ? '' : `, ${store}`}`;
      // Development only (production refuses to start without it): callers who refuse get no person.
      checks.humanAgent = config.humanAgent
        ? 'ok'
        : 'missing: callers who refuse or ask for a person are apologised to and hung up on (HUMAN_AGENT_NUMBER)';
      return { ok, checks, jobs, degraded: jobs?.status !== 'ok' || store !== 'ok' };
    },
  };
  return {
    config,
    ledger,
    writer,
    catalog,
    privacyTexts,
    store,
    twilio,
    jobs,
    health,
    checkpoints,
    ffmpeg,
    async close() {
      await checkpoints.stop();
      await jobs.stop();
      await writer.close();
      await closeStore();
      ledger.close();
    },
  };
}
