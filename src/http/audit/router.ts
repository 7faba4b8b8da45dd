import express, { type Request, type Response } from 'express';
import { pickLang, translator } from '../../audit/html';
import { mountAccessLogRoutes } from './access-log-routes';
import { auditErrorHandler } from './api-errors';
import { mountAdminRoutes } from './admin-routes';
import { mountApprovalRoutes } from './approval-routes';
import { mountCallRoutes } from './call-routes';
import { mountConsentRoutes } from './consent-routes';
import { mountEnrolRoutes } from './enrol-routes';
import { mountHomeRoutes } from './home-routes';
import { mountLedgerStatusRoutes } from './ledger-status-routes';
import { mountLifecycleRoutes } from './lifecycle-routes';
import { createKit, type AuditDeps, type Ctx, type PortalKit } from './kit';
import { mountNoticeRoutes } from './notices-routes';
import { mountOpenApiRoute } from './openapi';
import { mountResultsRoutes } from './results-routes';
import { mountOpsRoutes } from './ops-routes';
import { mountRetentionRoutes } from './retention-routes';
import { mountLoginRoutes, mountPrincipal } from './session-routes';
import { mountTokenRoutes } from './token-routes';
import { mountVerifyRoutes } from './verify-routes';
import { mountWithdrawalRoutes } from './withdrawal-routes';

/**
 * The route groups behind sign-in, in order. A new group of pages is a new file beside these
 * exporting `mountXRoutes(kit)`, and one line here.
 */
const SIGNED_IN_ROUTES: ReadonlyArray<(kit: PortalKit) => void> = [
  mountHomeRoutes,
  mountConsentRoutes,
  mountCallRoutes,
  mountApprovalRoutes,
  mountOpsRoutes,
  mountRetentionRoutes,
  mountWithdrawalRoutes,
  mountLifecycleRoutes,
  mountAdminRoutes,
  mountTokenRoutes,
  mountAccessLogRoutes,
  mountLedgerStatusRoutes,
  mountNoticeRoutes,
  mountResultsRoutes,
];

/** The auditor portal and its JSON API (mounted at /audit). Every route checks its role here, on the server. */
export function createAuditRouter(deps: AuditDeps): express.Router {
  const kit = createKit(deps);
  const { router } = kit;

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
  // Public, and before the body parsers: it reads its own (larger) uploads.
  mountVerifyRoutes(kit);
  router.use(express.urlencoded({ extended: false, limit: '16kb' }));
  router.use(express.json({ limit: '16kb' }));

  mountOpenApiRoute(kit);
  mountLoginRoutes(kit);
  mountEnrolRoutes(kit);
  mountPrincipal(kit);
  for (const mount of SIGNED_IN_ROUTES) mount(kit);

  router.use((req: Request, res: Response) => kit.fail(res, 404, 'notFound'));
  router.use(auditErrorHandler(kit.log));

  return router;
}
