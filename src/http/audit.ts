import crypto from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import QRCode from 'qrcode';
import { AccessLog, accessLogCsv, type AccessEntry } from '../audit/access-log';
import { consentDetail, hasCriteria, searchConsents, searchSchema } from '../audit/consents';
import { buildEvidenceZip } from '../audit/evidence';
import { layout, pickLang, translator, type Lang, type T } from '../audit/html';
import { can, isRole, type Permission } from '../audit/roles';
import { ABSOLUTE_MS, ApiTokenStore, SessionStore, type SessionRow } from '../audit/sessions';
import { statistics } from '../audit/stats';
import { UserStore, type UserRow } from '../audit/users';
import * as views from '../audit/views';
import type { Config } from '../config';
import { readClip } from '../jobs/handlers';
import type { Ledger } from '../ledger';
import type { ClipStore } from '../storage/clip-store';

export interface AuditDeps {
  ledger: Ledger;
  store: ClipStore;
  config: Config;
  log: Logger;
  clock?: () => Date;
}

interface Principal {
  user: UserRow;
  session: SessionRow | null;
  api: boolean;
  reason: string | null;
  ip: string | null;
}

interface Ctx {
  lang: Lang;
  t: T;
  p: Principal | null;
}

const SESSION_COOKIE = 'audit_session';
const LOGIN_COOKIE = 'audit_login';
const LOGIN_WINDOW_MS = 15 * 60_000;
const LOGIN_ATTEMPTS_PER_IP = 30;

function cookies(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

const safeEqual = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
};

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const today = (d: Date): string => d.toISOString().slice(0, 10);

/** The auditor portal and its JSON API (mounted at /audit). Every route checks its role here, on the server. */
export function createAuditRouter(deps: AuditDeps): express.Router {
  const now = deps.clock ?? (() => new Date());
  const { ledger, config, log } = deps;
  const users = new UserStore(ledger, now);
  const sessions = new SessionStore(ledger, now);
  const tokens = new ApiTokenStore(ledger, now);
  const accessLog = new AccessLog(ledger, now);
  const secure = config.publicBaseUrl.startsWith('https://');
  const loginAttempts = new Map<string, number[]>();
  const router = express.Router();

  const cookie = (name: string, value: string, maxAgeMs: number): string =>
    `${name}=${encodeURIComponent(value)}; Path=/audit; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(maxAgeMs / 1000)}${secure ? '; Secure' : ''}`;

  const ctx = (req: Request, res: Response): Ctx => res.locals.ctx as Ctx;
  const principal = (res: Response): Principal => (res.locals.ctx as Ctx).p as Principal;

  const page = (res: Response, c: Ctx, status: number, title: string, body: string): void => {
    const p = c.p;
    res
      .status(status)
      .type('html')
      .send(
        layout(
          c.t,
          c.lang,
          title,
          body,
          p?.session ? { email: p.user.email, role: p.user.role, csrf: p.session.csrf } : null,
          p ? views.navLinks(c.t, p.user.role) : [],
        ),
      );
  };

  const fail = (res: Response, status: number, key: 'forbidden' | 'notFound', message?: string): void => {
    const c = res.locals.ctx as Ctx;
    if (c.p?.api) res.status(status).json({ error: message ?? key });
    else page(res, c, status, c.t(key), `<p>${message ?? c.t(key)}</p>`);
  };

  const audit = (
    res: Response,
    entry: Omit<AccessEntry, 'userId' | 'email' | 'role' | 'ip' | 'reason' | 'via'>,
  ): void => {
    const p = principal(res);
    accessLog.append({
      ...entry,
      userId: p.user.id,
      email: p.user.email,
      role: p.user.role,
      ip: p.ip,
      reason: p.reason,
      via: p.api ? 'api' : 'portal',
    });
  };

  router.use((req, res, next) => {
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; media-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    const lang = pickLang(req.query.lang, req.headers['accept-language']);
    res.locals.ctx = { lang, t: translator(lang), p: null } satisfies Ctx;
    next();
  });
  router.use(express.urlencoded({ extended: false, limit: '16kb' }));
  router.use(express.json({ limit: '16kb' }));

  // ---- login ----

  router.get('/login', (req, res) => {
    const token = crypto.randomBytes(24).toString('base64url');
    res.setHeader('Set-Cookie', cookie(LOGIN_COOKIE, token, LOGIN_WINDOW_MS));
    const c = ctx(req, res);
    page(res, c, 200, c.t('login'), views.loginPage(c.t, token, null));
  });

  router.post('/login', async (req, res) => {
    const c = ctx(req, res);
    const ip = req.ip ?? null;
    const bodyCsrf = str(req.body?.csrf);
    const cookieCsrf = cookies(req)[LOGIN_COOKIE] ?? '';
    if (!bodyCsrf || !safeEqual(bodyCsrf, cookieCsrf)) return fail(res, 403, 'forbidden', 'CSRF');
    const t = now().getTime();
    const recent = (loginAttempts.get(ip ?? '') ?? []).filter((x) => t - x < LOGIN_WINDOW_MS);
    recent.push(t);
    loginAttempts.set(ip ?? '', recent);
    if (recent.length > LOGIN_ATTEMPTS_PER_IP) {
      res.setHeader('Retry-After', String(Math.ceil(LOGIN_WINDOW_MS / 1000)));
      return page(res, c, 429, c.t('login'), views.loginPage(c.t, cookieCsrf, c.t('locked')));
    }
    const result = await users.login(
      str(req.body?.email).trim(),
      str(req.body?.password),
      str(req.body?.code).trim(),
    );
    if (!result.ok) {
      log.warn({ ip, locked: result.locked }, 'audit login failed');
      // One message for unknown address, wrong password, wrong code and locked account: naming the
      // lock would tell an attacker which addresses exist.
      return page(res, c, 401, c.t('login'), views.loginPage(c.t, cookieCsrf, c.t('loginFailed')));
    }
    const { cookie: sid } = sessions.create(result.user.id, ip);
    res.setHeader('Set-Cookie', [cookie(SESSION_COOKIE, sid, ABSOLUTE_MS), cookie(LOGIN_COOKIE, '', 0)]);
    res.redirect(303, '/audit/');
  });

  // ---- who is asking: a bearer token under /api, a session cookie elsewhere ----

  router.use((req, res, next) => {
    const c = ctx(req, res);
    const ip = req.ip ?? null;
    if (req.path.startsWith('/api/')) {
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      const userId = m?.[1] ? tokens.userFor(m[1]) : null;
      const user = userId === null ? undefined : users.byId(userId);
      if (!user || user.disabled)
        return void res.status(401).json({ error: 'a valid bearer token is required' });
      const reason = str(req.headers['x-audit-reason']).trim().slice(0, 500) || null;
      c.p = { user, session: null, api: true, reason, ip };
      return next();
    }
    const sid = cookies(req)[SESSION_COOKIE];
    const session = sid ? sessions.touch(sid) : null;
    const user = session ? users.byId(session.user_id) : undefined;
    if (!session || !user || user.disabled) {
      if (req.method === 'GET') return res.redirect(303, '/audit/login');
      return void res.status(401).type('text/plain').send('sign in first');
    }
    if (req.method === 'POST') {
      const token = str(req.body?.csrf);
      if (!token || !safeEqual(token, session.csrf))
        return fail(res, 403, 'forbidden', 'CSRF token missing or wrong');
    }
    c.p = { user, session, api: false, reason: session.reason, ip };
    next();
  });

  /** Registers a route for the portal and the same one under /api, behind one permission. */
  const both = (
    method: 'get' | 'post',
    path: string,
    permission: Permission | null,
    handler: (req: Request, res: Response, c: Ctx & { p: Principal }) => unknown,
  ): void => {
    const h = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      const c = ctx(req, res) as Ctx & { p: Principal };
      if (permission && !can(c.p.user.role, permission)) return fail(res, 403, 'forbidden');
      try {
        await handler(req, res, c);
      } catch (error) {
        next(error);
      }
    };
    router[method](path, h);
    router[method](`/api${path}`, h);
  };

  /** Personal data is shown only once a reason is on record for this session (or this API call). */
  const needReason = (req: Request, res: Response, c: Ctx & { p: Principal }): boolean => {
    if (c.p.reason) return false;
    if (c.p.api)
      res.status(428).json({ error: 'send the reason for this access in the X-Audit-Reason header' });
    else res.redirect(303, `/audit/reason?next=${encodeURIComponent(req.originalUrl)}`);
    return true;
  };

  router.post('/logout', (req, res) => {
    const sid = cookies(req)[SESSION_COOKIE];
    if (sid) sessions.destroy(sid);
    res.setHeader('Set-Cookie', cookie(SESSION_COOKIE, '', 0));
    res.redirect(303, '/audit/login');
  });

  both('get', '/', null, (_req, res, c) => {
    if (c.p.api)
      return res.json({ user: c.p.user.email, role: c.p.user.role, publicKeyPem: ledger.publicKeyPem() });
    page(res, c, 200, c.t('home'), views.homePage(c.t, c.p.user.role, ledger.publicKeyPem()));
  });

  both('get', '/public-key', null, (_req, res) => {
    res.type('application/x-pem-file').send(ledger.publicKeyPem());
  });

  // ---- auditor ----

  router.get('/reason', (req, res) => {
    const c = ctx(req, res) as Ctx & { p: Principal };
    if (!can(c.p.user.role, 'searchConsents')) return fail(res, 403, 'forbidden');
    const next = str(req.query.next).startsWith('/audit/') ? str(req.query.next) : '/audit/consents';
    page(res, c, 200, c.t('reason'), views.reasonForm(c.t, c.p.session?.csrf ?? '', c.p.reason, next));
  });

  router.post('/reason', (req, res) => {
    const c = ctx(req, res) as Ctx & { p: Principal };
    if (!can(c.p.user.role, 'searchConsents') || !c.p.session) return fail(res, 403, 'forbidden');
    const reason = str(req.body?.reason).trim().slice(0, 500);
    if (reason.length < 5)
      return page(
        res,
        c,
        400,
        c.t('reason'),
        views.reasonForm(c.t, c.p.session.csrf, null, '/audit/consents'),
      );
    sessions.setReason(c.p.session.id_hash, reason);
    c.p.reason = reason;
    audit(res, { action: 'reason_stated' });
    const next = str(req.body?.next);
    res.redirect(303, next.startsWith('/audit/') && !next.startsWith('//') ? next : '/audit/consents');
  });

  const facets = (): { languages: string[]; purposes: string[] } => ({
    languages: ledger.db
      .prepare('SELECT DISTINCT locale FROM consents ORDER BY locale')
      .pluck()
      .all() as string[],
    purposes: config.operator.purposes.map((p) => p.id),
  });

  both('get', '/consents', 'searchConsents', (req, res, c) => {
    if (needReason(req, res, c)) return;
    const parsed = searchSchema.safeParse(req.query);
    if (!parsed.success) {
      if (c.p.api)
        return res.status(400).json({ error: parsed.error.issues.map((i) => i.message).join('; ') });
      return page(res, c, 400, c.t('search'), `<p class="error">${c.t('none')}</p>`);
    }
    const q = parsed.data;
    const f = facets();
    if (!hasCriteria(q)) {
      if (c.p.api) return res.status(400).json({ error: 'give at least one search criterion' });
      return page(
        res,
        c,
        200,
        c.t('search'),
        views.searchPage(c.t, q, c.p.reason ?? '', null, f.languages, f.purposes),
      );
    }
    const result = searchConsents(ledger, q);
    // The number itself never enters the access log: its presence is enough to explain the search.
    const { number, ...criteria } = q;
    audit(res, {
      action: 'search',
      detail: { ...criteria, number: number ? 'given' : undefined, results: result.rows.map((r) => r.id) },
    });
    if (c.p.api) return res.json(result);
    page(
      res,
      c,
      200,
      c.t('search'),
      views.searchPage(c.t, q, c.p.reason ?? '', result, f.languages, f.purposes),
    );
  });

  const fourEyesOk = (userId: number, consentId: string, reason: string | null): boolean =>
    !config.auditFourEyes ||
    Boolean(
      ledger
        .sql(
          "SELECT 1 FROM approvals WHERE consent_id = ? AND requester_id = ? AND reason = ? AND status = 'approved'",
        )
        .get(consentId, userId, reason ?? ''),
    );
  const approvalPending = (userId: number, consentId: string, reason: string | null): boolean =>
    Boolean(
      ledger
        .sql(
          "SELECT 1 FROM approvals WHERE consent_id = ? AND requester_id = ? AND reason = ? AND status = 'pending'",
        )
        .get(consentId, userId, reason ?? ''),
    );

  both('get', '/consents/:id', 'readConsent', (req, res, c) => {
    if (needReason(req, res, c)) return;
    const id = str(req.params.id);
    const d = consentDetail(ledger, id);
    if (!d) return fail(res, 404, 'notFound');
    audit(res, { action: 'view_consent', consentId: id, callSid: d.consent.callSid });
    if (c.p.api) return res.json(d);
    page(
      res,
      c,
      200,
      `${c.t('consent')} ${id}`,
      views.consentPage(c.t, d, {
        allowed: fourEyesOk(c.p.user.id, id, c.p.reason),
        pending: approvalPending(c.p.user.id, id, c.p.reason),
        csrf: c.p.session?.csrf ?? '',
      }),
    );
  });

  both('get', '/consents/:id/clip', 'playClip', async (req, res, c) => {
    if (needReason(req, res, c)) return;
    const id = str(req.params.id);
    if (!ledger.getConsent(id)) return fail(res, 404, 'notFound');
    if (!fourEyesOk(c.p.user.id, id, c.p.reason))
      return fail(res, 403, 'forbidden', 'four-eyes approval required');
    const clip = await readClip(ledger, deps.store, id);
    if (!clip) return fail(res, 404, 'notFound');
    const download = req.query.download === '1';
    audit(res, {
      action: download ? 'download_clip' : 'play_clip',
      consentId: id,
      detail: { range: req.headers.range ?? null },
    });
    sendBytes(req, res, clip.audio, clip.format, download ? `${id}.mp3` : null);
  });

  both('post', '/consents/:id/approval', 'playClip', (req, res, c) => {
    if (needReason(req, res, c)) return;
    const id = str(req.params.id);
    if (!ledger.getConsent(id)) return fail(res, 404, 'notFound');
    if (!approvalPending(c.p.user.id, id, c.p.reason))
      ledger
        .sql('INSERT INTO approvals (consent_id, requester_id, reason, created_at) VALUES (?, ?, ?, ?)')
        .run(id, c.p.user.id, c.p.reason, now().toISOString());
    audit(res, { action: 'approval_requested', consentId: id });
    if (c.p.api) return res.status(202).json({ status: 'pending' });
    res.redirect(303, `/audit/consents/${encodeURIComponent(id)}`);
  });

  both('get', '/approvals', 'approve', (_req, res, c) => {
    const pending = ledger
      .sql(
        "SELECT a.id, a.consent_id, a.reason, a.created_at, u.email FROM approvals a JOIN users u ON u.id = a.requester_id WHERE a.status = 'pending' AND a.requester_id != ? ORDER BY a.id",
      )
      .all(c.p.user.id) as Array<{
      id: number;
      consent_id: string;
      reason: string;
      email: string;
      created_at: string;
    }>;
    if (c.p.api) return res.json({ pending });
    page(res, c, 200, c.t('approvals'), views.approvalsPage(c.t, c.p.session?.csrf ?? '', pending));
  });

  both('post', '/approvals/:id/approve', 'approve', (req, res, c) => {
    // Nobody approves their own request: that is the point of four eyes.
    const changed = ledger
      .sql(
        "UPDATE approvals SET status = 'approved', approver_id = ?, decided_at = ? WHERE id = ? AND status = 'pending' AND requester_id != ?",
      )
      .run(c.p.user.id, now().toISOString(), Number(req.params.id), c.p.user.id).changes;
    if (changed !== 1) return fail(res, 404, 'notFound');
    audit(res, { action: 'approval_granted', detail: { approval: Number(req.params.id) } });
    if (c.p.api) return res.json({ status: 'approved' });
    res.redirect(303, '/audit/approvals');
  });

  both('get', '/consents/:id/export', 'exportEvidence', async (req, res, c) => {
    if (needReason(req, res, c)) return;
    const id = str(req.params.id);
    if (!ledger.getConsent(id)) return fail(res, 404, 'notFound');
    const clip = fourEyesOk(c.p.user.id, id, c.p.reason) ? await readClip(ledger, deps.store, id) : null;
    const built = await buildEvidenceZip({
      ledger,
      config,
      consentId: id,
      clip,
      exportedBy: c.p.user.email,
      at: now(),
    });
    if (!built) return fail(res, 404, 'notFound');
    audit(res, {
      action: 'export_evidence',
      consentId: id,
      detail: { manifestSha256: built.manifestSha256, clip: clip !== null },
    });
    res
      .status(200)
      .type('application/zip')
      .setHeader(
        'Content-Disposition',
        `attachment; filename="evidence-${id.replace(/[^A-Za-z0-9-]/g, '')}.zip"`,
      )
      .send(built.zip);
  });

  // ---- ops: aggregates and configuration, no personal data ----

  both('get', '/stats', 'statistics', (req, res, c) => {
    const date = /^\d{4}-\d{2}-\d{2}$/;
    const to = date.test(str(req.query.to)) ? str(req.query.to) : today(now());
    const from = date.test(str(req.query.from))
      ? str(req.query.from)
      : today(new Date(now().getTime() - 30 * 86_400_000));
    const s = statistics(ledger, from, to);
    if (c.p.api) return res.json(s);
    page(res, c, 200, c.t('stats'), views.statsPage(c.t, s));
  });

  both('get', '/config', 'configCheck', (_req, res, c) => {
    const verdict = ledger.verifyChain();
    const logVerdict = accessLog.verify();
    const checks = [
      {
        name: 'PUBLIC_BASE_URL https',
        ok: secure,
        detail: secure ? 'secure cookies' : 'cookies without Secure flag',
      },
      {
        name: 'CONSENT_KEYS',
        ok: !config.keyRing.generated,
        detail: `${config.keyRing.entries.length} key(s), active "${config.keyRing.entries[0]?.id ?? ''}"`,
      },
      {
        name: 'S3',
        ok: config.s3 !== null,
        detail: config.s3 ? `bucket ${config.s3.bucket}` : 'embedded store',
      },
      {
        name: 'ledger chain',
        ok: verdict.ok,
        detail: verdict.ok ? `${verdict.checked} events` : verdict.reason,
      },
      {
        name: 'access log chain',
        ok: logVerdict.ok,
        detail: logVerdict.ok ? `${logVerdict.checked} entries` : logVerdict.reason,
      },
      { name: 'AUDIT_FOUR_EYES', ok: true, detail: String(config.auditFourEyes) },
      {
        name: 'purposes',
        ok: true,
        detail: config.operator.purposes.map((p) => `${p.id} (${p.retentionDays} d)`).join(', '),
      },
      ...config.defaultsInUse.map((d) => ({ name: 'default in use', ok: false, detail: d })),
    ];
    if (c.p.api) return res.json({ checks });
    page(res, c, 200, c.t('config'), views.checksPage(checks));
  });

  // ---- admin ----

  both('get', '/users', 'manageUsers', (_req, res, c) => {
    if (c.p.api) return res.json({ users: users.list() });
    page(res, c, 200, c.t('users'), views.usersPage(c.t, c.p.session?.csrf ?? '', users.list(), null, null));
  });

  both('post', '/users', 'manageUsers', async (req, res, c) => {
    const role: unknown = req.body?.role;
    const email = str(req.body?.email).trim();
    let created: { email: string; otpauth: string; qr: string } | null = null;
    let error: string | null = null;
    if (!isRole(role)) error = 'unknown role';
    else if (users.byEmail(email)) error = 'user exists';
    else
      try {
        const { otpauth } = await users.add(email, role, str(req.body?.password));
        created = { email, otpauth, qr: await QRCode.toDataURL(otpauth) };
        audit(res, { action: 'user_added', detail: { email, role } });
      } catch (e) {
        error = (e as Error).message;
      }
    if (c.p.api)
      return error
        ? res.status(400).json({ error })
        : res.status(201).json({ email, otpauth: created?.otpauth });
    page(
      res,
      c,
      error ? 400 : 201,
      c.t('users'),
      views.usersPage(c.t, c.p.session?.csrf ?? '', users.list(), created, error),
    );
  });

  both('get', '/tokens', 'manageUsers', (_req, res, c) => {
    if (c.p.api) return res.json({ tokens: tokens.list() });
    page(res, c, 200, c.t('tokens'), views.tokensPage(c.t, c.p.session?.csrf ?? '', tokens.list(), null));
  });

  both('post', '/tokens', 'manageUsers', (req, res, c) => {
    const owner = users.byEmail(str(req.body?.email).trim());
    const name = str(req.body?.name).trim().slice(0, 100);
    if (!owner || !name) {
      if (c.p.api)
        return res.status(400).json({ error: 'email of an existing user and a name are required' });
      return page(
        res,
        c,
        400,
        c.t('tokens'),
        views.tokensPage(c.t, c.p.session?.csrf ?? '', tokens.list(), null),
      );
    }
    const secret = tokens.create(owner.id, name, c.p.user.id);
    audit(res, { action: 'token_created', detail: { owner: owner.email, name } });
    if (c.p.api) return res.status(201).json({ token: secret });
    page(res, c, 201, c.t('tokens'), views.tokensPage(c.t, c.p.session?.csrf ?? '', tokens.list(), secret));
  });

  both('get', '/access-log', 'readAccessLog', (req, res, c) => {
    const format = c.p.api ? 'json' : str(req.query.format);
    const verdict = accessLog.verify();
    const summary = verdict.ok
      ? `ok, ${verdict.checked} entries, head ${verdict.head}`
      : `BROKEN at ${verdict.brokenAt}: ${verdict.reason}`;
    if (format === 'csv' || format === 'json') {
      const records = accessLog.list();
      audit(res, { action: 'access_log_exported', detail: { format } });
      if (format === 'csv')
        return res
          .type('text/csv')
          .setHeader('Content-Disposition', 'attachment; filename="access-log.csv"')
          .send(accessLogCsv(records));
      return res.json({ chain: verdict, records });
    }
    page(res, c, 200, c.t('accessLog'), views.accessLogPage(c.t, accessLog.list({ limit: 500 }), summary));
  });

  router.use((req: Request, res: Response) => fail(res, 404, 'notFound'));
  router.use((error: Error, req: Request, res: Response, _next: NextFunction) => {
    log.error({ err: error, path: req.path }, 'audit portal error');
    if (res.headersSent) return void res.end();
    res.status(500).type('text/plain').send('internal error');
  });

  return router;
}

/** Serves bytes with single-range support, so the browser's audio player can seek. */
function sendBytes(req: Request, res: Response, data: Buffer, type: string, filename: string | null): void {
  res.setHeader('Accept-Ranges', 'bytes');
  res.type(type);
  if (filename) res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  const range = req.headers.range;
  const m = range ? /^bytes=(\d*)-(\d*)$/.exec(range) : null;
  if (!range || !m) {
    res.status(200).setHeader('Content-Length', String(data.length));
    return void res.end(data);
  }
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, data.length - Number(m[2]));
    end = data.length - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? data.length - 1 : Math.min(Number(m[2]), data.length - 1);
  }
  if (start > end || start >= data.length) {
    res.status(416).setHeader('Content-Range', `bytes */${data.length}`);
    return void res.end();
  }
  res.status(206).setHeader('Content-Range', `bytes ${start}-${end}/${data.length}`);
  res.setHeader('Content-Length', String(end - start + 1));
  res.end(data.subarray(start, end + 1));
}
