import crypto from 'node:crypto';
import QRCode from 'qrcode';
import { enrolPage } from '../../audit/account-views';
import { Enrolments } from '../../audit/enrolment';
import { cookies, LOGIN_COOKIE, safeEqual, str, type PortalKit } from './kit';

const ENROL_FORM_MS = 30 * 60_000;

/**
 * The one-time enrolment link (before sign-in): the person sets their own password and scans
 * their own TOTP secret. The link's token sits in the path; pages go out with no-referrer.
 */
export function mountEnrolRoutes(kit: PortalKit): void {
  const { router, ledger, now, accessLog } = kit;
  const enrolments = new Enrolments(ledger, now);

  const render = async (
    res: Parameters<PortalKit['page']>[0],
    status: number,
    token: string,
    csrf: string,
    error: string | null,
  ): Promise<void> => {
    const c = kit.ctx(res);
    const opened = enrolments.open(token);
    if (!opened) return kit.page(res, c, 404, c.t('enrol'), `<p>${c.t('notFound')}</p>`);
    const qr = await QRCode.toDataURL(opened.otpauth);
    kit.page(
      res,
      c,
      status,
      c.t('enrol'),
      enrolPage(c.t, csrf, opened.user.email, opened.otpauth, qr, error),
    );
  };

  router.get('/enrol/:token', async (req, res, next) => {
    try {
      const csrf = crypto.randomBytes(24).toString('base64url');
      res.setHeader('Set-Cookie', kit.cookie(LOGIN_COOKIE, csrf, ENROL_FORM_MS));
      await render(res, 200, str(req.params.token), csrf, null);
    } catch (error) {
      next(error);
    }
  });

  router.post('/enrol/:token', async (req, res, next) => {
    try {
      const token = str(req.params.token);
      const csrf = cookies(req)[LOGIN_COOKIE] ?? '';
      const body = str(req.body?.csrf);
      if (!body || !safeEqual(body, csrf)) return kit.fail(res, 403, 'forbidden', 'CSRF');
      const result = await enrolments.complete(
        token,
        str(req.body?.password),
        str(req.body?.repeat),
        str(req.body?.code).trim(),
      );
      if (!result.ok) return await render(res, 400, token, csrf, result.error);
      accessLog.append({
        action: 'user_enrolled',
        userId: result.user.id,
        email: result.user.email,
        role: result.user.role,
        ip: req.ip ?? null,
        reason: null,
        via: 'portal',
        detail: { email: result.user.email, role: result.user.role, userId: result.user.id },
      });
      res.setHeader('Set-Cookie', kit.cookie(LOGIN_COOKIE, '', 0));
      const c = kit.ctx(res);
      kit.page(
        res,
        c,
        200,
        c.t('enrol'),
        `<p role="status">${c.t('enrolDone')}</p><p><a href="/audit/login">${c.t('login')}</a></p>`,
      );
    } catch (error) {
      next(error);
    }
  });
}
