import type { RequestListener } from 'node:http';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { JobHealth } from './ledger/jobs-repo';
import { CallService } from './calls/call-service';
import { inlineCallWriter } from './calls/call-writers';
import type { CallWrites } from './calls/ledger-writes';
import { localesDir, promptsDir, type Config } from './config';
import type { Catalog } from './i18n/catalog';
import type { Ledger } from './ledger';
import type { LedgerWriter } from './ledger/writer';
import { mountPrivacyRoutes } from './http/privacy';
import { isVoiceWebhook, mountVoiceRoutes, voiceWebhooks } from './http/voice';
import { lastErrorHandler } from './http/last-error';
import { mountLedgerRoutes, type CheckpointSource } from './http/ledger-routes';
import { PrivacyTexts } from './privacy/texts';
import { TwimlRenderer, type RenderSettings } from './twiml/render';
import { fixedSpeech, speechOf, type SpeechSource } from './notices/speech';
import { silentFailSafe } from './notices/closed';
import { ARCHIVE_URL, archiveDirOf } from './notices/source';
import { basePathOf, stripBasePath } from './http/base-path';
import { publicLinks } from './http/public-links';

export interface HealthSource {
  /** Named problems that stop the service from taking calls or doing its background work. */
  check(): Promise<{
    ok: boolean;
    checks: Record<string, string>;
    /** Takes calls, but background work needs attention (deletions stuck): status is not "ok". */
    degraded?: boolean;
    jobs?: JobHealth;
    /** Which notice version callers hear (notices/notice-set). */
    notice?: object;
  }>;
}

export interface AppDeps {
  config: Config;
  ledger: Ledger;
  /** Where webhooks write; the runtime's writer thread in the service, the ledger itself when absent. */
  writer?: LedgerWriter<CallWrites>;
  catalog: Catalog;
  /** What callers hear now (notices/notice-set); the catalog as given, unchecked, when absent. */
  speech?: SpeechSource;
  log: Logger;
  health: HealthSource;
  clock?: () => Date;
  /** Called after a webhook queued background work, so it starts now rather than at the next poll. */
  onJob?: () => void;
  /** Called when a Twilio callback could not be written (answered 503); see jobs/lost-callbacks. */
  onCallbackLost?: () => void;
  /** Signed ledger checkpoints, served at /ledger/checkpoint. */
  checkpoints?: CheckpointSource;
  /** Extra routers (the auditor portal) mounted by main. */
  mount?: (app: Express) => void;
  /** Texts of the caller's /privacy pages; read from the locale folders when not given. */
  privacyTexts?: PrivacyTexts;
}

/** What every spoken text is rendered with; shared by the webhooks and `consent prompts`. */
export function renderSettings(config: Config): RenderSettings {
  const o = config.operator;
  return {
    baseUrl: config.publicBaseUrl,
    company: o.company,
    assistantName: o.assistantName,
    controller: o.controller,
    dpoContact: o.dpoContact,
    recipients: o.recipients,
    supervisoryAuthority: o.supervisoryAuthority,
    purposes: o.purposes,
    languageKey: o.languageKey,
    humanAgent: config.humanAgent,
    assistantUrl: config.assistantUrl,
    defaultLocale: config.defaultLocale,
    texts: o.texts,
  };
}

export function createRenderer(config: Config, catalog: Catalog): TwimlRenderer {
  return new TwimlRenderer(catalog, renderSettings(config));
}

/** Wires the routers; does no I/O, so tests build as many apps as they like. */
export function createApp(deps: AppDeps): Express {
  return createService(deps).app;
}

/**
 * The app and the server's request listener: webhooks (POST /voice/…) go straight to their
 * handler, everything else through Express. Express's routing and response path cost a webhook
 * more than checking its signature; the handler is the one Express mounts, so both serve alike.
 */
export function createService(deps: AppDeps): { app: Express; listener: RequestListener } {
  const app = express();
  app.disable('x-powered-by');
  // Only the configured proxies may name the client: otherwise anyone picks their own address
  // with X-Forwarded-For and walks past the per-address sign-in limit.
  app.set('trust proxy', deps.config.trustProxyHops > 0 ? deps.config.trustProxyHops : false);
  const basePath = basePathOf(deps.config.publicBaseUrl);
  // Pages and redirects link from the root; behind a base path the browser needs it in front.
  if (basePath) app.use(publicLinks(basePath));
  const speech =
    deps.speech ??
    fixedSpeech(
      speechOf(deps.catalog, renderSettings(deps.config), deps.config.operator.ageOfConsent.default ?? 16),
    );
  const silent = silentFailSafe(deps.config.humanAgent);
  const calls = new CallService({
    config: deps.config,
    ledger: deps.ledger,
    writer: deps.writer ?? inlineCallWriter(deps.ledger),
    speech,
    log: deps.log,
    clock: deps.clock,
    onJob: deps.onJob,
  });

  const voice = voiceWebhooks({
    calls,
    failSafe: () => speech.current()?.renderer.failSafe ?? silent,
    authToken: deps.config.twilio.authToken,
    publicBaseUrl: deps.config.publicBaseUrl,
    publicBaseUrlAsGiven: deps.config.publicBaseUrlAsGiven,
    defaultLocale: deps.config.defaultLocale,
    log: deps.log,
    onCallbackLost: deps.onCallbackLost,
  });
  // Webhooks first: they are the traffic, and every route layer before them costs each call.
  mountVoiceRoutes(app, voice);
  app.get('/healthz', async (_req, res) => {
    const result = await deps.health
      .check()
      .catch((error: Error) => ({ ok: false, checks: { health: error.message } }));
    // `ledger` also at the top: "ok", or why the ledger cannot be trusted (it still takes calls).
    res.status(result.ok ? 200 : 503).json({
      status: result.ok && !('degraded' in result && result.degraded) ? 'ok' : 'degraded',
      ledger: (result.checks as Record<string, string>).ledger ?? 'unknown',
      ...result,
    });
  });
  if (deps.checkpoints) mountLedgerRoutes(app, deps.checkpoints);
  // Recorded prompts are public audio Twilio fetches for <Play>; they hold no personal data.
  // Recordings of earlier versions, by hash (immutable): the live version may have one replaced on disk.
  app.use(
    ARCHIVE_URL,
    express.static(archiveDirOf(deps.config.databasePath), {
      index: false,
      dotfiles: 'ignore',
      maxAge: '365d',
      immutable: true,
    }),
  );
  app.use('/prompts', express.static(promptsDir(), { index: false, dotfiles: 'ignore', maxAge: '1h' }));
  mountPrivacyRoutes(app, {
    ledger: deps.ledger,
    config: deps.config,
    texts: deps.privacyTexts ?? PrivacyTexts.load(localesDir(), deps.config.defaultLocale),
    catalog: deps.catalog,
    log: deps.log,
    onJob: deps.onJob,
    clock: deps.clock,
  });
  deps.mount?.(app);
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('not found');
  });
  app.use(lastErrorHandler(deps.log));
  return {
    app,
    listener: (req, res) => {
      stripBasePath(req, basePath);
      if (isVoiceWebhook(req)) void voice(req, res);
      else app(req, res);
    },
  };
}
