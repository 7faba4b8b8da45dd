import crypto from 'node:crypto';
import { ABSOLUTE_MS } from '../../audit/sessions';
import { RateLimiter } from '../../privacy/rate-limit';
import { BusyError } from '../../audit/work-limit';
import { isApiPath, unauthorized } from './api-errors';
import { formatDateTime } from '../../audit/portal-time';
import * as views from '../../audit/views';
import { cookies, LOGIN_COOKIE, safeEqual, SESSION_COOKIE, str, type PortalKit } from './kit';

const LOGIN_WINDOW_MS = 15 * 60_000;

const LOGIN_ATTEMPTS_PER_IP = 30;
/** Beyond the lock (five failures): attempts on one address stop costing scrypt at all. */
const LOGIN_ATTEMPTS_PER_ACCOUNT = 10;

/** Sign-in and sign-out: the only routes reachable without a session. */
export function mountLoginRoutes(kit: PortalKit): void {
  const { router, users, sessions, log, now } = kit;
  // Counted in the ledger, so every instance behind the load balancer sees the same counts: a
  // limit kept in one process's memory is bypassed by asking another.
  const limits = new RateLimiter(kit.ledger, () => now().getTime());

  router.get('/login', (req, res) => {
    const token = crypto.randomBytes(24).toString('base64url');
    res.setHeader('Set-Cookie', kit.cookie(LOGIN_COOKIE, token, LOGIN_WINDOW_MS));
    const c = kit.ctx(res);
    kit.page(res, c, 200, c.t('login'), views.loginPage(c.t, token, null));
  });

  router.post('/login', async (req, res) => {
    const c = kit.ctx(res);
    const ip = req.ip ?? null;
    const bodyCsrf = str(req.body?.csrf);
    const cookieCsrf = cookies(req)[LOGIN_COOKIE] ?? '';
    if (!bodyCsrf || !safeEqual(bodyCsrf, cookieCsrf)) return kit.fail(res, 403, 'forbidden', 'CSRF');
    const t = now().getTime();
    const email = str(req.body?.email).trim();
    const again = (status: number, message: string): void =>
      kit.page(res, c, status, c.t('login'), views.loginPage(c.t, cookieCsrf, message, email));
    const tooMany = (): void => {
      res.setHeader('Retry-After', String(Math.ceil(LOGIN_WINDOW_MS / 1000)));
      again(429, c.t('locked'));
    };
    if (!limits.hit('login-ip', ip ?? '', LOGIN_ATTEMPTS_PER_IP, LOGIN_WINDOW_MS)) return tooMany();
    // Keyed by the address as typed (lower case), known or not, so the limit says nothing about
    // which accounts exist.
    if (!limits.hit('login-account', email.toLowerCase(), LOGIN_ATTEMPTS_PER_ACCOUNT, LOGIN_WINDOW_MS))
      return tooMany();
    let result;
    try {
      result = await users.login(email, str(req.body?.password), str(req.body?.code).trim());
    } catch (error) {
      if (!(error instanceof BusyError)) throw error;
      res.setHeader('Retry-After', '5');
      return again(503, c.t('busy'));
    }
    if (!result.ok) {
      log.warn({ ip, locked: result.locked, because: result.because }, 'audit login failed');
      // One message for unknown address, wrong password, wrong code, and a lock seen with a wrong
      // factor: anything more would tell a guesser which addresses exist or which password is right.
      // Only someone who had both factors right hears about the lock or the spent code.
      if (result.because === 'locked') {
        res.setHeader('Retry-After', String(Math.max(1, Math.ceil((result.lockedUntil - t) / 1000))));
        return again(
          401,
          c.t('lockedUntil').replace(
            '{until}',
            formatDateTime(new Date(result.lockedUntil).toISOString(), {
              zone: kit.config.portal.timeZone,
              lang: c.lang,
            }),
          ),
        );
      }
      return again(401, c.t(result.because === 'replayed' ? 'codeReused' : 'loginFailed'));
    }
    const { cookie: sid } = sessions.create(result.user.id, ip);
    res.setHeader('Set-Cookie', [
      kit.cookie(SESSION_COOKIE, sid, ABSOLUTE_MS),
      kit.cookie(LOGIN_COOKIE, '', 0),
    ]);
    res.redirect(303, '/audit/');
  });
}

/** Who is asking: a bearer token under /api, a session cookie elsewhere. Everything after needs one. */
export function mountPrincipal(kit: PortalKit): void {
  const { router, users, sessions, tokens } = kit;

  router.use((req, res, next) => {
    const c = kit.ctx(res);
    const ip = req.ip ?? null;
    if (isApiPath(req.path)) {
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      if (!m?.[1]) return unauthorized(res, 'send a portal API token as Authorization: Bearer <token>');
      const found = tokens.find(m[1]);
      const user = found ? users.byId(found.userId) : undefined;
      if (!found || !user || user.disabled)
        return unauthorized(res, 'this token is unknown, expired or revoked, or its account is disabled');
      const reason = str(req.headers['x-audit-reason']).trim().slice(0, 500) || null;
      c.p = { user, session: null, api: true, reason, ip, tokenId: found.tokenId };
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
        return kit.fail(res, 403, 'forbidden', 'CSRF token missing or wrong');
    }
    c.p = { user, session, api: false, reason: session.reason, ip, tokenId: null };
    next();
  });

  router.post('/logout', (req, res) => {
    const sid = cookies(req)[SESSION_COOKIE];
    if (sid) sessions.destroy(sid);
    res.setHeader('Set-Cookie', kit.cookie(SESSION_COOKIE, '', 0));
    res.redirect(303, '/audit/login');
  });
}
