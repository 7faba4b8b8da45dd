import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { authenticator } from 'otplib';
import { createApp } from '../../src/app';
import type { Role } from '../../src/audit/roles';
import { UserStore } from '../../src/audit/users';
import { loadConfig, localesDir, promptsDir } from '../../src/config';
import { encryptBuffer, generateDataKey } from '../../src/crypto/envelope';
import { createAuditRouter } from '../../src/http/audit';
import { objectKeyFor, sha256 } from '../../src/jobs/handlers';
import { createLogger } from '../../src/logger';
import { openRuntime, type Runtime } from '../../src/runtime';
import { testDatabaseEnv } from '../support/test-database';
import { NoticeSet } from '../../src/notices/notice-set';

export const KEYS = `k1:${Buffer.alloc(32, 9).toString('base64')}`;

export interface Portal {
  url: string;
  rt: Runtime;
  /** Which notice version plays (the sign-off page drives it). */
  notices: NoticeSet;
  dir: string;
  /** Moves the portal's clock forward (sessions, lockouts) without touching TOTP's real time. */
  advance(ms: number): void;
  close(): Promise<void>;
}

/** The real app (createApp + the audit router) on a loopback port, a SQLite file and the embedded s3rver. */
export async function startPortal(env: Record<string, string> = {}): Promise<Portal> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-'));
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = loadConfig({
    PUBLIC_BASE_URL: url,
    ...testDatabaseEnv(path.join(dir, 'consent.db')),
    CONSENT_KEYS: KEYS,
    LOG_LEVEL: 'silent',
    ...env,
  } as NodeJS.ProcessEnv);
  const log = createLogger(config.logLevel);
  const rt = await openRuntime(config, log);
  let offset = 0;
  const clock = (): Date => new Date(Date.now() + offset);
  const notices = NoticeSet.open({
    ledger: rt.ledger,
    config,
    log,
    localesDir: localesDir(),
    promptsDir: promptsDir(),
    readOperator: () => loadConfig(env as NodeJS.ProcessEnv).operator,
  });
  const app = createApp({
    config,
    ledger: rt.ledger,
    catalog: rt.catalog,
    speech: notices,
    log,
    health: rt.health,
    mount: (a) =>
      a.use(
        '/audit',
        createAuditRouter({
          ledger: rt.ledger,
          store: rt.store,
          config,
          log,
          clock,
          checkpoints: rt.checkpoints,
          notices,
        }),
      ),
  });
  server.on('request', app);
  return {
    url,
    rt,
    notices,
    dir,
    advance: (ms) => (offset += ms),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rt.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestUser {
  email: string;
  password: string;
  secret: string;
  role: Role;
}

export async function addUser(
  portal: Portal,
  role: Role,
  email = `${role}-${crypto.randomBytes(3).toString('hex')}@example.com`,
): Promise<TestUser> {
  const password = `pw-${crypto.randomBytes(8).toString('hex')}`;
  const { otpauth } = await new UserStore(portal.rt.ledger).add(email, role, password);
  const secret = new URL(otpauth).searchParams.get('secret') ?? '';
  return { email, password, secret, role };
}

let mp3: Buffer | null = null;
/** A real 3-second MP3, made once per test file with Debian's ffmpeg. */
export function testMp3(): Buffer {
  if (!mp3) {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mp3-')), 'tone.mp3');
    execFileSync('/usr/bin/ffmpeg', [
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:duration=3',
      '-ac',
      '1',
      '-b:a',
      '32k',
      file,
    ]);
    mp3 = fs.readFileSync(file);
  }
  return mp3;
}

export interface Seeded {
  consentId: string;
  callSid: string;
  from: string;
  noticeText: string;
  transcript: string;
}

/** Writes one call with its consent through the Ledger API, and optionally an encrypted clip in s3rver. */
export async function seedConsent(
  rt: Runtime,
  opts: {
    locale?: string;
    decision?: 'granted' | 'declined';
    withClip?: boolean;
    from?: string;
    at?: Date;
  } = {},
): Promise<Seeded> {
  const ledger = rt.ledger;
  const at = opts.at ?? new Date();
  const locale = opts.locale ?? 'de';
  const decision = opts.decision ?? 'granted';
  const callSid = `CA${crypto.randomBytes(16).toString('hex')}`;
  const from = opts.from ?? `+49151${crypto.randomInt(1_000_000, 9_999_999)}`;
  const noticeText = `Hinweis ${locale}: Sie sprechen mit einer KI. Version ${crypto.randomBytes(2).toString('hex')}`;
  const transcript = decision === 'granted' ? 'ja gerne' : 'nein danke';
  ledger.startCall({ callSid, from, called: '+4930123456', country: 'DE', locale, at });
  const call = ledger.getCall(callSid);
  const noticeId = ledger.notice(locale, 'text', noticeText);
  const purposes = { call: decision === 'granted', ai_training: false };
  const consentId = ledger.createConsent({
    callSid,
    callerHash: call?.caller_hash ?? null,
    callerEnc: call?.caller_enc ?? null,
    locale,
    method: 'speech',
    input: transcript,
    confidence: 0.91,
    noticeId,
    decision,
    purposes,
    clipStartMs: null,
    clipEndMs: null,
    at: new Date(at.getTime() + 4000),
  });
  ledger.updateCall(callSid, { outcome: decision, consent_id: consentId, state: 'ended' }, at);
  ledger.append([
    { type: 'call_started', callSid, at, data: { locale } },
    { type: 'disclosed', callSid, at: new Date(at.getTime() + 2000), data: { notice: noticeId } },
    { type: decision, callSid, consentId, at: new Date(at.getTime() + 4000), data: { purposes } },
    { type: 'call_ended', callSid, at: new Date(at.getTime() + 6000), data: {} },
  ]);
  if (opts.withClip) {
    const audio = testMp3();
    const dataKey = generateDataKey();
    const cipher = await encryptBuffer(dataKey, audio);
    const key = objectKeyFor(ledger, consentId);
    await rt.store.put(key, cipher);
    // As the clip job does: the row and its clip_stored event in one transaction.
    ledger.transaction(() => {
      ledger.upsertClip({
        consent_id: consentId,
        call_sid: callSid,
        status: 'stored',
        object_key: key,
        wrapped_key: ledger.keyRing.wrap(dataKey),
        key_id: ledger.keyRing.active.id,
        format: 'audio/mpeg',
        duration_sec: 3,
        plain_bytes: audio.length,
        cipher_bytes: cipher.length,
        plain_sha256: sha256(audio),
        cipher_sha256: sha256(cipher),
        stored_at: at.toISOString(),
      });
      ledger.append([{ type: 'clip_stored', callSid, consentId, at, data: { sha256: sha256(cipher) } }]);
    });
  }
  return { consentId, callSid, from, noticeText, transcript };
}

const csrfIn = (html: string): string => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** A cookie-keeping HTTP client that signs in like a browser: login page, CSRF field, TOTP. */
export class Client {
  private jar = new Map<string, string>();
  csrf = '';

  /** `headers` go with every request (a proxy's X-Forwarded-For, say). */
  constructor(
    readonly base: string,
    readonly headers: Record<string, string> = {},
  ) {}

  private cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair?.indexOf('=') ?? -1;
      if (pair && i > 0) {
        const value = pair.slice(i + 1);
        if (value === '') this.jar.delete(pair.slice(0, i));
        else this.jar.set(pair.slice(0, i), value);
      }
    }
  }

  async get(p: string, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(this.base + p, {
      redirect: 'manual',
      headers: { cookie: this.cookieHeader(), ...this.headers, ...headers },
    });
    this.keep(res);
    return res;
  }

  async post(p: string, form: Record<string, string>, withCsrf = true): Promise<Response> {
    const body = new URLSearchParams(withCsrf ? { csrf: this.csrf, ...form } : form);
    const res = await fetch(this.base + p, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: this.cookieHeader(),
        'content-type': 'application/x-www-form-urlencoded',
        ...this.headers,
      },
      body,
    });
    this.keep(res);
    return res;
  }

  async attemptLogin(email: string, password: string, code: string): Promise<Response> {
    await this.openLogin();
    return this.post('/audit/login', { email, password, code });
  }

  /** Fetches the login form (its CSRF cookie and field), so a later post can go out at a chosen moment. */
  async openLogin(): Promise<void> {
    const page = await this.get('/audit/login');
    this.csrf = csrfIn(await page.text());
  }

  async login(u: TestUser): Promise<void> {
    const res = await this.attemptLogin(u.email, u.password, authenticator.generate(u.secret));
    if (res.status !== 303) throw new Error(`login of ${u.email} failed: ${res.status}`);
    const home = await this.get('/audit/');
    this.csrf = csrfIn(await home.text());
  }

  async statReason(reason = 'Auskunftsersuchen Art. 15, Az. 2026-17'): Promise<void> {
    const res = await this.post('/audit/reason', { reason, next: '/audit/consents' });
    if (res.status !== 303) throw new Error(`reason refused: ${res.status}`);
  }
}
