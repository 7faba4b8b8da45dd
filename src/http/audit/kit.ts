import crypto from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { AccessLog, type AccessEntry } from '../../audit/access-log';
import { Approvals } from '../../audit/approvals';
import { layout, type Lang, type T } from '../../audit/html';
import { can, type NavFeatures, type Permission } from '../../audit/roles';
import { ApiTokenStore, SessionStore, type SessionRow } from '../../audit/sessions';
import { UserStore, type UserRow } from '../../audit/users';
import * as views from '../../audit/views';
import type { Config } from '../../config';
import type { Ledger } from '../../ledger';
import type { Catalog } from '../../i18n/catalog';
import type { NoticeSet } from '../../notices/notice-set';
import type { Checkpoints } from '../../ledger/checkpoints';
import type { ClipStore } from '../../storage/clip-store';
import { basePathOf } from '../base-path';
import { underBasePath } from '../public-links';

export interface AuditDeps {
  ledger: Ledger;
  store: ClipStore;
  config: Config;
  log: Logger;
  clock?: () => Date;
  /** Signed ledger checkpoints: the overview, the acknowledgement of an incident, exports. */
  checkpoints?: Checkpoints;
  /** Called after a page queued background work (a withdrawal's deletions, a CRM replay). */
  onJob?: () => void;
  /** The locale texts (notices as heard, purpose names); read from the locale folders when absent. */
  catalog?: Catalog;
  /** Which notice version plays; the sign-off page reloads texts and applies approvals through it. */
  notices?: Pick<NoticeSet, 'refresh' | 'reload' | 'status'>;
}

/** Who is asking: a signed-in portal user (session) or an API caller (bearer token). */
export interface Principal {
  user: UserRow;
  session: SessionRow | null;
  api: boolean;
  reason: string | null;
  ip: string | null;
  /** The API token this request came with (null in the portal). */
  tokenId: number | null;
}

/** Who made an access, for binding a used-up approval to it: this session, or this token. */
export const accessKey = (p: Principal): string =>
  p.session ? `session:${p.session.id_hash.slice(0, 16)}` : `token:${p.tokenId ?? 0}`;

export interface Ctx {
  lang: Lang;
  t: T;
  p: Principal | null;
}

/** The context of a request that passed sign-in. */
export type Authed = Ctx & { p: Principal };

export type AccessEntryOfRequest = Omit<AccessEntry, 'userId' | 'email' | 'role' | 'ip' | 'reason' | 'via'>;

export type Handler = (req: Request, res: Response, c: Authed) => unknown;

/**
 * What every group of portal routes needs: the stores, page rendering, the access log, and `both`,
 * which registers a route for the portal and the API behind one permission. Route files take a kit
 * and add their routes; `router.ts` lists them.
 */
export interface PortalKit {
  router: express.Router;
  deps: AuditDeps;
  ledger: Ledger;
  config: Config;
  log: Logger;
  now: () => Date;
  secure: boolean;
  /** Switched-on features, for the menu and the start page. */
  features: NavFeatures;
  users: UserStore;
  sessions: SessionStore;
  tokens: ApiTokenStore;
  accessLog: AccessLog;
  approvals: Approvals;
  cookie(name: string, value: string, maxAgeMs: number): string;
  ctx(res: Response): Ctx;
  page(res: Response, c: Ctx, status: number, title: string, body: string): void;
  fail(res: Response, status: number, key: 'forbidden' | 'notFound', message?: string): void;
  /** Writes access-log entries in the name of the request's principal, in one transaction. */
  audit(res: Response, ...entries: AccessEntryOfRequest[]): void;
  both(method: 'get' | 'post', path: string, permission: Permission | null, handler: Handler): void;
  /** Personal data is shown only once a reason is on record for this session (or this API call). */
  needReason(req: Request, res: Response, c: Authed): boolean;
}

/** What an API client reads when a route gives no sentence of its own. */
const API_MESSAGES = { forbidden: 'forbidden', notFound: 'not found' } as const;

export const SESSION_COOKIE = 'audit_session';
export const LOGIN_COOKIE = 'audit_login';

export function cookies(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

export const safeEqual = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
};

export const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function createKit(deps: AuditDeps): PortalKit {
  const now = deps.clock ?? (() => new Date());
  const { ledger, config, log } = deps;
  const secure = config.publicBaseUrl.startsWith('https://');
  const cookiePath = underBasePath(basePathOf(config.publicBaseUrl), '/audit');
  const accessLog = new AccessLog(ledger, now);
  const router = express.Router();
  const ctx = (res: Response): Ctx => res.locals.ctx as Ctx;

  const features: NavFeatures = {
    fourEyes: config.auditFourEyes,
    crm: config.crm !== null,
    checkpoints: deps.checkpoints !== undefined,
  };
  const page: PortalKit['page'] = (res, c, status, title, body) => {
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
          p ? views.navLinks(c.t, p.user.role, features) : [],
        ),
      );
  };

  const fail: PortalKit['fail'] = (res, status, key, message) => {
    const c = ctx(res);
    if (c.p?.api) res.status(status).json({ error: message ?? API_MESSAGES[key] });
    else page(res, c, status, c.t(key), `<p>${message ?? c.t(key)}</p>`);
  };

  return {
    router,
    deps,
    ledger,
    config,
    log,
    now,
    secure,
    features,
    users: new UserStore(ledger, now),
    sessions: new SessionStore(ledger, now),
    tokens: new ApiTokenStore(ledger, now, config.apiTokenTtlDays * 86_400_000),
    accessLog,
    approvals: new Approvals(ledger, now),
    cookie: (name, value, maxAgeMs) =>
      `${name}=${encodeURIComponent(value)}; Path=${cookiePath}; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(maxAgeMs / 1000)}${secure ? '; Secure' : ''}`,
    ctx,
    page,
    fail,
    audit(res, ...entries) {
      const p = ctx(res).p;
      if (!p) throw new Error('access-log entry without a signed-in principal');
      accessLog.appendAll(
        entries.map((entry) => ({
          ...entry,
          userId: p.user.id,
          email: p.user.email,
          role: p.user.role,
          ip: p.ip,
          reason: p.reason,
          via: p.api ? 'api' : 'portal',
        })),
      );
    },
    both(method, path, permission, handler) {
      const h = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
        const c = ctx(res);
        if (!c.p) return fail(res, 403, 'forbidden');
        if (permission && !can(c.p.user.role, permission))
          return fail(
            res,
            403,
            'forbidden',
            c.p.api ? `the ${c.p.user.role} role may not do this` : undefined,
          );
        try {
          await handler(req, res, { ...c, p: c.p });
        } catch (error) {
          next(error);
        }
      };
      router[method](path, h);
      router[method](`/api${path}`, h);
    },
    needReason(req, res, c) {
      if (c.p.reason) return false;
      if (c.p.api)
        res.status(428).json({ error: 'send the reason for this access in the X-Audit-Reason header' });
      else res.redirect(303, `/audit/reason?next=${encodeURIComponent(req.originalUrl)}`);
      return true;
    },
  };
}
