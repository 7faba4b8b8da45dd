import crypto from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Catalog } from '../i18n/catalog';
import type { Ledger } from '../ledger';
import { certificateSigningKey, deletionCertificate } from '../lifecycle/certificate';
import { withdrawConsents } from '../lifecycle/withdraw';
import { outboundOf } from '../outbound/outbound';
import { accessReport } from '../privacy/access';
import { art13Items, regionFor } from '../privacy/art13';
import { PrivacyCodes } from '../privacy/codes';
import { RateLimiter } from '../privacy/rate-limit';
import { typedNumber } from '../privacy/typed-number';
import { plainNumberText } from '../audit/typed-characters';
import type { PrivacyTexts } from '../privacy/texts';
import * as views from '../privacy/views';
import { basePathOf } from './base-path';
import { httpStatusOf } from './last-error';
import { underBasePath } from './public-links';

export interface PrivacyDeps {
  ledger: Ledger;
  config: Config;
  texts: PrivacyTexts;
  /** The locale catalog: the shipped defaults of the operator's Art. 13 texts. */
  catalog: Pick<Catalog, 'template' | 'has' | 'textLocale'>;
  log: Logger;
  onJob?: () => void;
  clock?: () => Date;
}

/**
 * Per client and minute: room for at least 5 numbers and 10 codes (contract), and no more than
 * a person at a keyboard needs. Per number: a few SMS per quarter hour, against SMS pumping.
 */
const LIMITS = {
  phonePerClient: { limit: 20, windowMs: 60_000 },
  codePerClient: { limit: 30, windowMs: 60_000 },
  smsPerNumber: { limit: 10, windowMs: 10 * 60_000 },
};
const SESSION_COOKIE = 'privacy_session';
const CSRF_TTL_MS = 2 * 3600_000;

const str = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) ? String(v[0] ?? '') : '');
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

/** The caller's self-service pages (public, no login): withdrawal by SMS code, access, certificates. */
export function mountPrivacyRoutes(app: Express, d: PrivacyDeps): void {
  const now = d.clock ?? (() => new Date());
  const codes = new PrivacyCodes(d.ledger, () => now().getTime());
  const limiter = new RateLimiter(d.ledger, () => now().getTime());
  const origin = new URL(d.config.publicBaseUrl).origin;
  const secure = d.config.publicBaseUrl.startsWith('https://');
  const cookiePath = underBasePath(basePathOf(d.config.publicBaseUrl), '/privacy');
  const purposes = d.config.operator.purposes.map((p) => p.id);
  const router = express.Router();

  const mac = (s: string): string =>
    crypto.createHmac('sha256', d.ledger.derivedKey('privacy')).update(`csrf:${s}`).digest('base64url');
  const csrfToken = (): string => {
    const body = `${now().getTime()}.${crypto.randomBytes(12).toString('base64url')}`;
    return `${body}.${mac(body)}`;
  };
  /**
   * The hidden token proves the form came from us and is fresh; the browser's own headers prove
   * the request came from our page and not from another site's form (what CSRF is).
   */
  const csrfOk = (req: Request): boolean => {
    const fetchSite = str(req.headers['sec-fetch-site']);
    if (fetchSite === 'cross-site' || fetchSite === 'same-site') return false;
    const from = str(req.headers.origin);
    if (from && from !== 'null' && from !== origin) return false;
    const [issued = '', nonce = '', sig = ''] = str(req.body?.csrf).split('.');
    const expected = Buffer.from(mac(`${issued}.${nonce}`));
    if (sig.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(sig), expected)) return false;
    const age = now().getTime() - Number(issued);
    return age >= 0 && age < CSRF_TTL_MS;
  };

  const view = (req: Request, res: Response): views.View => {
    const lng = d.texts.pick(
      req.body?.lng ?? req.query.lng,
      req.headers['accept-language'],
      d.config.defaultLocale,
    );
    res.setHeader('Content-Language', lng);
    return { texts: d.texts, lng, company: d.config.operator.company, path: req.baseUrl + req.path };
  };
  const send = (res: Response, status: number, html: string): void =>
    void res.status(status).type('html').send(html);
  const tooMany = (req: Request, res: Response, v: views.View): void => {
    res.setHeader('Retry-After', '60');
    send(res, 429, views.messagePage(v, 'withdrawTitle', v.texts.t(v.lng, 'rateLimited'), false));
  };
  const client = (req: Request): string => req.ip ?? req.socket.remoteAddress ?? 'unknown';

  router.use((_req, res, next) => {
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Vary', 'Accept-Language, Cookie');
    next();
  });
  router.use(express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 20 }));

  router.get('/', (req, res) => {
    const v = view(req, res);
    const art13 = art13Items(
      {
        operator: d.config.operator,
        catalog: d.catalog,
        texts: d.texts,
        defaultLocale: d.config.defaultLocale,
      },
      v.lng,
      regionFor(str(req.headers['accept-language']), v.lng),
    );
    send(res, 200, views.homePage(v, art13));
  });

  router.get('/withdraw', (req, res) => send(res, 200, views.phoneForm(view(req, res), csrfToken(), null)));

  router.post('/withdraw', (req, res) => {
    const v = view(req, res);
    if (!csrfOk(req))
      return send(res, 403, views.messagePage(v, 'withdrawTitle', v.texts.t(v.lng, 'badRequest'), true));
    if (!limiter.hit('phone', client(req), LIMITS.phonePerClient.limit, LIMITS.phonePerClient.windowMs))
      return tooMany(req, res, v);
    const typed = plainNumberText(str(req.body?.phone)).trim().slice(0, 40);
    if (!/^\+?[\d\s().\-/]{6,30}$/.test(typed) || !/\d{6,}/.test(typed.replace(/\D/g, '')))
      return send(res, 400, views.phoneForm(v, csrfToken(), v.texts.t(v.lng, 'phoneHint')));
    const phone = typedNumber(d.ledger, d.config, typed);
    // Over the number's limit the page answers as always, and no SMS goes: the limit tells nothing.
    const allowed = limiter.hit(
      'sms',
      d.ledger.callerHash(phone),
      LIMITS.smsPerNumber.limit,
      LIMITS.smsPerNumber.windowMs,
    );
    const request = codes.request(
      allowed ? phone : `+0${crypto.randomBytes(6).toString('hex')}`,
      v.lng,
      (code) => v.texts.t(v.lng, 'codeSms', { code, company: d.config.operator.company }),
    );
    d.onJob?.();
    send(res, 200, views.codeForm(v, { csrf: csrfToken(), request, purposes, error: null }));
  });

  /** Checks the code of a form post; on success sets the session cookie and returns the caller. */
  const verified = (req: Request, res: Response, v: views.View): string | null => {
    if (!csrfOk(req)) {
      send(res, 403, views.messagePage(v, 'withdrawTitle', v.texts.t(v.lng, 'badRequest'), true));
      return null;
    }
    if (!limiter.hit('code', client(req), LIMITS.codePerClient.limit, LIMITS.codePerClient.windowMs)) {
      tooMany(req, res, v);
      return null;
    }
    const request = str(req.body?.request);
    const result = codes.check(request, str(req.body?.code));
    if (!result.ok) {
      if (result.reason === 'void')
        send(res, 400, views.messagePage(v, 'codeTitle', v.texts.t(v.lng, 'codeVoid'), true));
      else
        send(
          res,
          400,
          views.codeForm(v, { csrf: csrfToken(), request, purposes, error: v.texts.t(v.lng, 'wrongCode') }),
        );
      return null;
    }
    const maxAge = Math.max(1, Math.floor((result.expiresAt - now().getTime()) / 1000));
    res.setHeader(
      'Set-Cookie',
      `${SESSION_COOKIE}=${result.session}; Path=${cookiePath}; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`,
    );
    return result.callerHash;
  };

  router.post('/withdraw/confirm', (req, res) => {
    const v = view(req, res);
    const callerHash = verified(req, res, v);
    if (!callerHash) return;
    const chosen = list(req.body?.purpose).filter((p) => purposes.includes(p));
    const result = withdrawConsents(d.ledger, {
      callerHash,
      purposes: chosen,
      channel: 'web',
      at: now(),
      outbound: outboundOf(d.config),
    });
    d.onJob?.();
    d.log.info(
      { consents: result.consents.length, reference: result.reference },
      'withdrawal on the privacy page',
    );
    send(
      res,
      200,
      views.donePage(
        v,
        result.reference,
        result.consents.map((c) => c.consentId),
      ),
    );
  });

  router.post('/access', (req, res) => {
    const v = view(req, res);
    if (!verified(req, res, v)) return;
    res.redirect(303, `/privacy/access?lng=${encodeURIComponent(v.lng)}`);
  });

  const report = (req: Request) => {
    const s = codes.session(cookie(req, SESSION_COOKIE));
    if (!s) return null;
    return accessReport(d.ledger, s.callerHash, {
      purposes: d.config.operator.purposes,
      controller: d.config.operator.controller,
      at: now(),
    });
  };

  router.get('/access', (req, res) => {
    const v = view(req, res);
    const r = report(req);
    if (!r) return send(res, 401, views.messagePage(v, 'accessTitle', v.texts.t(v.lng, 'codeVoid'), true));
    send(res, 200, views.accessPage(v, r));
  });

  router.get('/access.json', (req, res) => {
    const r = report(req);
    if (!r) return void res.status(401).json({ error: 'enter the code from the SMS first' });
    res.setHeader('Content-Disposition', 'attachment; filename="my-data.json"');
    res.json(r);
  });

  router.get(/^\/certificate\/(CNS-[0-9]{8}-[0-9A-F]{12})(\.json)?$/, (req, res) => {
    const [, id = '', json] = /^\/certificate\/(CNS-[0-9]{8}-[0-9A-F]{12})(\.json)?$/.exec(req.path) ?? [];
    const cert = deletionCertificate(d.ledger, id, certificateSigningKey(d.ledger));
    if (json) {
      if (!cert) return void res.status(404).json({ error: 'no deletion certificate for this consent' });
      res.setHeader('Content-Disposition', `attachment; filename="certificate-${id}.json"`);
      return void res.json(cert);
    }
    send(res, cert ? 200 : 404, views.certificatePage(view(req, res), cert, id));
  });

  // A body over the limit or one that does not parse gets the page's own answer, never Express's
  // default error page (which shows a stack trace).
  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const status = httpStatusOf(error);
    if (status === 500) d.log.error({ err: error, path: req.path }, 'privacy page error');
    const v = view(req, res);
    const message = v.texts.t(v.lng, status === 413 ? 'tooLong' : 'badRequest');
    send(res, status, views.messagePage(v, 'withdrawTitle', message, true));
  });

  app.use('/privacy', router);
}
