import { accessLogCsv } from '../../audit/access-log';
import * as views from '../../audit/views';
import { str, type PortalKit } from './kit';

/** The access log: who read what, chained so a gap or an edit shows. */
export function mountAccessLogRoutes(kit: PortalKit): void {
  const { accessLog } = kit;

  kit.both('get', '/access-log', 'readAccessLog', (req, res, c) => {
    const format = c.p.api ? 'json' : str(req.query.format);
    const verdict = accessLog.verify();
    const summary = verdict.ok
      ? `ok, ${verdict.checked} entries, head ${verdict.head}`
      : `BROKEN at ${verdict.brokenAt}: ${verdict.reason}`;
    if (format === 'csv' || format === 'json') {
      const records = accessLog.list();
      kit.audit(res, { action: 'access_log_exported', detail: { format } });
      if (format === 'csv')
        return res
          .type('text/csv')
          .setHeader('Content-Disposition', 'attachment; filename="access-log.csv"')
          .send(accessLogCsv(records));
      return res.json({ chain: verdict, records });
    }
    // The log names who read which consent and why: reading it is itself an access.
    kit.audit(res, { action: 'view_access_log' });
    kit.page(
      res,
      c,
      200,
      c.t('accessLog'),
      views.accessLogPage(c.t, accessLog.list({ limit: 500 }), summary, {
        zone: kit.config.portal.timeZone,
        lang: c.lang,
      }),
    );
  });
}
