import { quarterOf, reviewPage, reviewReport } from '../../audit/review-report';
import { resultsPage } from '../../audit/results-view';
import { resultsCsv, variantResults } from '../../audit/variant-results';
import { str, type PortalKit } from './kit';

const today = (d: Date): string => d.toISOString().slice(0, 10);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A/B results and drop-off per question: aggregates only, for ops and the dpo. */
export function mountResultsRoutes(kit: PortalKit): void {
  const { ledger, config, now } = kit;
  const period = (q: Record<string, unknown>): { from: string; to: string } => ({
    from: DATE.test(str(q.from)) ? str(q.from) : today(new Date(now().getTime() - 90 * 86_400_000)),
    to: DATE.test(str(q.to)) ? str(q.to) : today(now()),
  });
  const purposes = config.operator.purposes.map((p) => p.id);

  kit.both('get', '/results', 'statistics', (req, res, c) => {
    const { from, to } = period(req.query);
    const results = variantResults(ledger, from, to, purposes);
    if (c.p.api) return res.json({ from, to, results });
    kit.page(res, c, 200, 'A/B results and drop-off', resultsPage(results, purposes, from, to));
  });

  // The dpo's quarterly review (print view); admins may open it too.
  kit.both('get', '/review', 'approveNotices', (req, res, c) => {
    const report = reviewReport(ledger, str(req.query.quarter) || quarterOf(now()));
    if (!report) return kit.fail(res, 404, 'notFound', 'quarter as 2026-Q4');
    kit.audit(res, { action: 'review_report', detail: { quarter: report.quarter } });
    if (c.p.api) return res.json(report);
    kit.page(res, c, 200, `Quarterly review ${report.quarter}`, reviewPage(report));
  });

  kit.both('get', '/results.csv', 'statistics', (req, res) => {
    const { from, to } = period(req.query);
    res
      .type('text/csv')
      .attachment(`results-${from}-${to}.csv`)
      .send(resultsCsv(variantResults(ledger, from, to, purposes), purposes));
  });
}
