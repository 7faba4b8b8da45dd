import fs from 'node:fs';
import path from 'node:path';
import { portalSettings, type PortalSettings } from './config-portal';
import { publicBaseUrl } from './config-public-url';
import { isPostgresUrl } from './ledger/driver';
import { withTexts } from './i18n/operator-texts';
import { operatorSchema, type OperatorConfig } from './operator-config';
import { NOTICE_ENV, parseNoticeConfig, type NoticeConfig } from './notices/notice-config';

/**
 * Every environment variable the service reads, with its default and a one-line description.
 * The same table feeds `.env.example` and the README, so the three cannot drift apart.
 */
export const ENV_VARIABLES = {
  NODE_ENV: {
    default: 'development',
    doc: 'production refuses development keys, the embedded store and a missing Twilio token',
  },
  PORT: { default: '3000', doc: 'HTTP port' },
  PUBLIC_BASE_URL: {
    default: 'http://localhost:$PORT',
    doc: 'public base URL Twilio calls; TwiML URLs and signatures use it',
  },
  TWILIO_ACCOUNT_SID: { default: '', doc: 'account SID for REST calls (required in production)' },
  TWILIO_AUTH_TOKEN: {
    default: '',
    doc: 'auth token: webhook signature validation and REST auth (required unless NODE_ENV is development or test)',
  },
  TWILIO_API_BASE: {
    default: 'https://api.twilio.com',
    doc: 'base of every Twilio REST call; media is fetched only from this origin',
  },
  DATABASE_PATH: { default: './data/consent.db', doc: 'SQLite consent ledger file' },
  DATABASE_URL: {
    default: '',
    doc: 'postgres://user:password@host:port/db: the shared ledger for several instances; DATABASE_PATH is then ignored',
  },
  S3_BUCKET: {
    default: '',
    doc: 'clip bucket; unset runs an embedded local S3-compatible store under ./data/s3',
  },
  S3_REGION: { default: 'eu-central-1', doc: 'bucket region' },
  S3_ENDPOINT: { default: '', doc: 'S3-compatible endpoint (MinIO, Ceph, ...); empty for AWS' },
  S3_FORCE_PATH_STYLE: {
    default: 'false',
    doc: 'true for path-style bucket addressing (most S3-compatible servers)',
  },
  CONSENT_KEYS: {
    default: '',
    doc: 'key ring id:base64-32-bytes[,id:base64...]; first encrypts, all decrypt',
  },
  HUMAN_AGENT_NUMBER: {
    default: '',
    doc: 'E.164 number or sip: URI of the human team; required in production (development: apologise and end the call)',
  },
  ASSISTANT_URL: {
    default: '',
    doc: 'https:// TwiML URL (Redirect) or wss:// media stream (Connect/Stream) for consenting callers',
  },
  PRIVACY_URL: {
    default: '',
    doc: 'web page with the full Art. 13 GDPR information (third layer, sent by SMS on request)',
  },
  DEFAULT_LOCALE: {
    default: 'de',
    doc: 'locale when neither the called number nor the caller country decides',
  },
  GATEWAY_CONFIG: {
    default: './gateway.config.json',
    doc: 'operator settings: company, purposes, retention, numbers, age limits',
  },
  FFMPEG_PATH: { default: '', doc: 'ffmpeg binary; default is the one ffmpeg-static provides' },
  LOG_LEVEL: { default: 'info', doc: 'pino log level (fatal, error, warn, info, debug)' },
  CHECKPOINT_SECONDS: {
    default: '45',
    doc: 'least time between two signed ledger checkpoints (1-50); every event is covered within about a minute',
  },
  JOB_LEASE_SECONDS: {
    default: '300',
    doc: "how long a job an instance claimed stays its own without renewal (30-3600); a crashed instance's jobs run elsewhere after it",
  },
  TWILIO_SWEEP_GRACE_SECONDS: {
    default: '600',
    doc: "age a Twilio recording must reach before the sweep acts on it without its callback (5-86400); a lost callback's recording is deleted or clipped after it",
  },
  MIN_SPEECH_CONFIDENCE: {
    default: '0.5',
    doc: 'speech below this recognition confidence is asked again, never taken as an answer',
  },
  CONSENT_TOKEN_TTL_SECONDS: {
    default: '3600',
    doc: 'lifetime of the signed consent token handed to the assistant or agent',
  },
  AUDIT_FOUR_EYES: {
    default: 'false',
    doc: 'true: decrypting audio in the portal needs a second auditor to approve the reason',
  },
  TRUST_PROXY_HOPS: {
    default: '0',
    doc: 'reverse proxies in front of the service whose X-Forwarded-For is believed; 0: none',
  },
  API_TOKEN_TTL_DAYS: { default: '90', doc: 'days until a portal API token expires' },
  CRM_WEBHOOK_URL: {
    default: '',
    doc: 'where consent events are POSTed (Standard Webhooks); unset: no deliveries',
  },
  CRM_WEBHOOK_SECRET: {
    default: '',
    doc: 'signing secret of the CRM webhooks: whsec_ + base64 of at least 24 random bytes',
  },
  RECEIPT_SMS: {
    default: 'false',
    doc: 'true: every consenting caller gets a consent receipt by SMS (consent ID, how to withdraw)',
  },
  PORTAL_TIME_ZONE: {
    default: 'Europe/Berlin',
    doc: 'IANA time zone the auditor portal shows times in (UTC on hover and in exports)',
  },
  PORTAL_DEFAULT_COUNTRY: {
    default: 'DE',
    doc: "country a number typed in national format (030 ...) is read in, besides the called numbers' own",
  },
  ...NOTICE_ENV,
} as const;

export type EnvName = keyof typeof ENV_VARIABLES;

import { DEV_KEY, parseKeyRing } from './crypto/key-ring-env';
import { crmConfig } from './outbound/crm-config';

export { parseKeyRing };
export { operatorSchema, type OperatorConfig, type Purpose } from './operator-config';

export interface KeyRingConfig {
  entries: Array<{ id: string; key: Buffer }>;
  generated: boolean;
}

export interface Config {
  production: boolean;
  port: number;
  publicBaseUrl: string;
  /** PUBLIC_BASE_URL as written, when its scheme or host were not lower case (see publicBaseUrl). */
  publicBaseUrlAsGiven?: string;
  twilio: { accountSid: string; authToken: string; apiBase: string };
  /** The SQLite file; ignored (and never created) when databaseUrl is set. */
  databasePath: string;
  /** PostgreSQL (DATABASE_URL), or null for SQLite. */
  databaseUrl: string | null;
  /** Where the ledger lives: databaseUrl when set, else databasePath (what openDatabase takes). */
  database: string;
  s3: { bucket: string; region: string; endpoint?: string; forcePathStyle: boolean } | null;
  keyRing: KeyRingConfig;
  humanAgent: string | null;
  assistantUrl: string | null;
  privacyUrl: string | null;
  defaultLocale: string;
  /** Sign-off of what callers hear (notices/notice-config). */
  notices: NoticeConfig;
  ffmpegPath: string | null;
  logLevel: string;
  minSpeechConfidence: number;
  consentTokenTtlSeconds: number;
  checkpointSeconds: number;
  /** Lease of a claimed job (renewed while it runs): after it, a crashed worker's job is due again. */
  jobLeaseSeconds: number;
  /** A recording at Twilio younger than this may still have its callback on the way. */
  sweepGraceSeconds: number;
  auditFourEyes: boolean;
  /** Proxy hops whose X-Forwarded-For is believed for the client address (0: the socket's). */
  trustProxyHops: number;
  apiTokenTtlDays: number;
  /** Consent events to the CRM (Standard Webhooks); null when CRM_WEBHOOK_URL is unset. */
  crm: { url: string; secret: string } | null;
  receiptSms: boolean;
  /** The auditor portal's time zone and the country of numbers typed without a country code. */
  portal: PortalSettings;
  operator: OperatorConfig;
  /** Things running on development defaults, said once in the start-up log. */
  defaultsInUse: string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const E164_OR_SIP = /^(\+[1-9]\d{6,14}|sip:[^\s@]+@[^\s]+)$/;

/** Reads the environment once, in `main()`. Collects every problem so the operator fixes them in one go. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const problems: string[] = [];
  const defaultsInUse: string[] = [];
  const get = (name: EnvName): string => (env[name] ?? '').trim();
  const production = get('NODE_ENV') === 'production';

  const port = Number(get('PORT') || '3000');
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    problems.push(`PORT: "${get('PORT')}" is not a port number`);

  const base = publicBaseUrl(get('PUBLIC_BASE_URL'), port, production);
  if (base.problem) problems.push(base.problem);

  const accountSid = get('TWILIO_ACCOUNT_SID');
  const authToken = get('TWILIO_AUTH_TOKEN');
  if (production && !accountSid) problems.push('TWILIO_ACCOUNT_SID: required in production');
  // An empty token makes every webhook signature forgeable: only a developer's own machine may run so.
  const nodeEnv = get('NODE_ENV');
  if (!authToken && !['', 'development', 'test'].includes(nodeEnv))
    problems.push(`TWILIO_AUTH_TOKEN: required outside development (NODE_ENV=${nodeEnv})`);
  if (accountSid && !/^AC[0-9a-fA-F]{32}$/.test(accountSid))
    problems.push('TWILIO_ACCOUNT_SID: must look like AC followed by 32 hex digits');
  if (!authToken)
    defaultsInUse.push(
      'no TWILIO_AUTH_TOKEN: webhooks are validated against an empty token (development only)',
    );
  const apiBase = (get('TWILIO_API_BASE') || 'https://api.twilio.com').replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+$/.test(apiBase))
    problems.push('TWILIO_API_BASE: must be an origin like https://api.twilio.com (no path)');

  const databasePath = path.resolve(cwd, get('DATABASE_PATH') || './data/consent.db');
  // Several instances share one ledger only on PostgreSQL; a URL of any other scheme is refused
  // rather than read as a file name (which would quietly split the ledger).
  const databaseUrl = get('DATABASE_URL') || null;
  if (databaseUrl && !isPostgresUrl(databaseUrl))
    problems.push(
      'DATABASE_URL: must be a postgres:// or postgresql:// URL (unset it to use SQLite at DATABASE_PATH)',
    );

  let s3: Config['s3'] = null;
  const bucket = get('S3_BUCKET');
  if (bucket) {
    const forcePathStyle = get('S3_FORCE_PATH_STYLE');
    if (forcePathStyle && !['true', 'false'].includes(forcePathStyle))
      problems.push('S3_FORCE_PATH_STYLE: must be true or false');
    const endpoint = get('S3_ENDPOINT');
    if (endpoint && !/^https?:\/\//.test(endpoint)) problems.push('S3_ENDPOINT: must be an http(s) URL');
    s3 = {
      bucket,
      region: get('S3_REGION') || 'eu-central-1',
      endpoint: endpoint || undefined,
      forcePathStyle: forcePathStyle === 'true',
    };
  } else if (production) {
    problems.push('S3_BUCKET: required in production (the embedded store is for development)');
  } else {
    defaultsInUse.push('no S3_BUCKET: clips go to the embedded local store under ./data/s3');
  }

  let keyRing: KeyRingConfig = { entries: [DEV_KEY], generated: true };
  const keys = get('CONSENT_KEYS');
  if (keys) {
    try {
      keyRing = { entries: parseKeyRing(keys), generated: false };
    } catch (error) {
      problems.push(`CONSENT_KEYS: ${(error as Error).message}`);
    }
  } else if (production) {
    problems.push('CONSENT_KEYS: required in production (generate one: consent keys generate)');
  } else {
    defaultsInUse.push('no CONSENT_KEYS: using the development key ring (never for real callers)');
  }

  const humanAgent = get('HUMAN_AGENT_NUMBER') || null;
  if (humanAgent && !E164_OR_SIP.test(humanAgent))
    problems.push('HUMAN_AGENT_NUMBER: must be an E.164 number (+4930...) or a sip: URI');
  // Refusing must never mean no service: a caller who says no is handed to a person.
  else if (!humanAgent && production)
    problems.push(
      'HUMAN_AGENT_NUMBER: required in production (callers who refuse, withdraw or ask for a person are put through to it)',
    );
  else if (!humanAgent)
    defaultsInUse.push(
      'no HUMAN_AGENT_NUMBER: a caller who refuses or asks for a person hears an apology and is hung up on (development only)',
    );
  const assistantUrl = get('ASSISTANT_URL') || null;
  if (
    assistantUrl &&
    !/^(https|wss):\/\/\S+$/.test(assistantUrl) &&
    !(!production && /^(http|ws):\/\/\S+$/.test(assistantUrl))
  )
    problems.push('ASSISTANT_URL: must be an https:// TwiML URL or a wss:// media-stream URL');
  const privacyUrl = get('PRIVACY_URL') || null;
  if (privacyUrl && !/^https?:\/\/\S+$/.test(privacyUrl))
    problems.push('PRIVACY_URL: must be an http(s) URL');

  const defaultLocale = get('DEFAULT_LOCALE') || 'de';
  if (!/^[a-z]{2,3}$/.test(defaultLocale))
    problems.push('DEFAULT_LOCALE: must be a language code like de or en');
  else if (!fs.existsSync(path.join(localesDir(), defaultLocale)))
    problems.push(`DEFAULT_LOCALE: no locale folder locales/${defaultLocale}`);

  const logLevel = get('LOG_LEVEL') || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel))
    problems.push('LOG_LEVEL: unknown level');
  const minSpeechConfidence = Number(get('MIN_SPEECH_CONFIDENCE') || '0.5');
  if (!(minSpeechConfidence >= 0 && minSpeechConfidence <= 1))
    problems.push('MIN_SPEECH_CONFIDENCE: must be between 0 and 1');
  const consentTokenTtlSeconds = Number(get('CONSENT_TOKEN_TTL_SECONDS') || '3600');
  if (!Number.isInteger(consentTokenTtlSeconds) || consentTokenTtlSeconds <= 0)
    problems.push('CONSENT_TOKEN_TTL_SECONDS: must be a positive whole number');
  const checkpointSeconds = Number(get('CHECKPOINT_SECONDS') || '45');
  if (!(checkpointSeconds >= 1 && checkpointSeconds <= 50))
    problems.push('CHECKPOINT_SECONDS: must be between 1 and 50');
  const jobLeaseSeconds = Number(get('JOB_LEASE_SECONDS') || '300');
  if (!(Number.isInteger(jobLeaseSeconds) && jobLeaseSeconds >= 30 && jobLeaseSeconds <= 3600))
    problems.push('JOB_LEASE_SECONDS: must be a whole number from 30 to 3600');
  const sweepGraceSeconds = Number(get('TWILIO_SWEEP_GRACE_SECONDS') || '600');
  if (!(Number.isInteger(sweepGraceSeconds) && sweepGraceSeconds >= 5 && sweepGraceSeconds <= 86_400))
    problems.push('TWILIO_SWEEP_GRACE_SECONDS: must be a whole number from 5 to 86400');
  const fourEyes = get('AUDIT_FOUR_EYES') || 'false';
  if (!['true', 'false'].includes(fourEyes)) problems.push('AUDIT_FOUR_EYES: must be true or false');
  const trustProxyHops = Number(get('TRUST_PROXY_HOPS') || '0');
  if (!Number.isInteger(trustProxyHops) || trustProxyHops < 0 || trustProxyHops > 10)
    problems.push('TRUST_PROXY_HOPS: must be a whole number from 0 to 10');
  const apiTokenTtlDays = Number(get('API_TOKEN_TTL_DAYS') || '90');
  if (!(apiTokenTtlDays > 0 && apiTokenTtlDays <= 3650))
    problems.push('API_TOKEN_TTL_DAYS: must be a number of days above 0 (at most 3650)');
  const crm = crmConfig(get('CRM_WEBHOOK_URL'), get('CRM_WEBHOOK_SECRET'), production, problems);
  const receiptSms = get('RECEIPT_SMS') || 'false';
  if (!['true', 'false'].includes(receiptSms)) problems.push('RECEIPT_SMS: must be true or false');
  const portal = portalSettings(get('PORTAL_TIME_ZONE'), get('PORTAL_DEFAULT_COUNTRY'), problems);

  const notices = parseNoticeConfig(get, production, problems);

  let rawOperator = operatorSchema.parse({});
  const operatorFile = path.resolve(cwd, get('GATEWAY_CONFIG') || './gateway.config.json');
  if (fs.existsSync(operatorFile)) {
    try {
      const parsed = operatorSchema.safeParse(JSON.parse(fs.readFileSync(operatorFile, 'utf8')));
      if (parsed.success) rawOperator = parsed.data;
      else
        for (const issue of parsed.error.issues)
          problems.push(
            `GATEWAY_CONFIG ${path.basename(operatorFile)}: ${issue.path.join('.')}: ${issue.message}`,
          );
    } catch (error) {
      problems.push(`GATEWAY_CONFIG: ${operatorFile} is not valid JSON (${(error as Error).message})`);
    }
  } else if (env.GATEWAY_CONFIG) {
    problems.push(`GATEWAY_CONFIG: ${operatorFile} does not exist`);
  }
  const operator: OperatorConfig = withTexts(rawOperator, defaultLocale);
  if (operator.texts.legacy.length > 0)
    defaultsInUse.push(
      `GATEWAY_CONFIG: ${operator.texts.legacy.join(', ')} given as one string, taken as the ${defaultLocale} text; give them per locale ({ "de": …, "en": … })`,
    );
  if (operator.purposes[0]?.id !== 'call' && !operator.purposes.some((p) => p.id === 'call'))
    defaultsInUse.push('no purpose "call": the first configured purpose is the main question');

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    production,
    port,
    publicBaseUrl: base.url,
    ...(base.asGiven === undefined ? {} : { publicBaseUrlAsGiven: base.asGiven }),
    twilio: { accountSid, authToken, apiBase },
    databasePath,
    databaseUrl,
    database: databaseUrl ?? databasePath,
    s3,
    keyRing,
    humanAgent,
    assistantUrl,
    privacyUrl,
    defaultLocale,
    notices,
    ffmpegPath: get('FFMPEG_PATH') || null,
    logLevel,
    minSpeechConfidence,
    consentTokenTtlSeconds,
    checkpointSeconds,
    jobLeaseSeconds,
    sweepGraceSeconds,
    auditFourEyes: fourEyes === 'true',
    trustProxyHops,
    apiTokenTtlDays,
    crm,
    receiptSms: receiptSms === 'true',
    portal,
    operator,
    defaultsInUse,
  };
}

/** Locales and prompts ship beside `src/`, found the same way from `src/` (tests) and `dist/src/` (built). */
export function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}
export const localesDir = (): string => path.join(projectRoot(), 'locales');
export const promptsDir = (): string => path.join(projectRoot(), 'prompts');
