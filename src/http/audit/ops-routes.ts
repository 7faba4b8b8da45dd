import { statistics } from '../../audit/stats';
import * as views from '../../audit/views';
import { str, type PortalKit } from './kit';

const today = (d: Date): string => d.toISOString().slice(0, 10);

/** Ops: aggregates and configuration, no personal data. */
export function mountOpsRoutes(kit: PortalKit): void {
  const { ledger, config, now, accessLog, secure } = kit;

  kit.both('get', '/stats', 'statistics', (req, res, c) => {
    const date = /^\d{4}-\d{2}-\d{2}$/;
    const to = date.test(str(req.query.to)) ? str(req.query.to) : today(now());
    const from = date.test(str(req.query.from))
      ? str(req.query.from)
      : today(new Date(now().getTime() - 30 * 86_400_000));
    const s = statistics(ledger, from, to);
    if (c.p.api) return res.json(s);
    kit.page(res, c, 200, c.t('stats'), views.statsPage(c.t, s));
  });

  kit.both('get', '/config', 'configCheck', (_req, res, c) => {
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
        name: 'TRUST_PROXY_HOPS',
        ok: true,
        detail:
          config.trustProxyHops > 0
            ? `${config.trustProxyHops} proxy hop(s) may name the client address`
            : 'X-Forwarded-For ignored: the connection address is the client',
      },
      { name: 'API_TOKEN_TTL_DAYS', ok: true, detail: `${config.apiTokenTtlDays} days` },
      {
        name: 'purposes',
        ok: true,
        detail: config.operator.purposes.map((p) => `${p.id} (${p.retentionDays} d)`).join(', '),
      },
      ...config.defaultsInUse.map((d) => ({ name: 'default in use', ok: false, detail: d })),
    ];
    if (c.p.api) return res.json({ checks });
    kit.page(res, c, 200, c.t('config'), views.checksPage(checks));
  });
}
