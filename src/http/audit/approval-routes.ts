import * as views from '../../audit/views';
import { approvalPending } from './four-eyes';
import { str, type PortalKit } from './kit';

/** The four-eyes rule: an auditor asks, another approves. */
export function mountApprovalRoutes(kit: PortalKit): void {
  const { ledger, now } = kit;

  kit.both('post', '/consents/:id/approval', 'playClip', (req, res, c) => {
    if (kit.needReason(req, res, c)) return;
    const id = str(req.params.id);
    if (!ledger.getConsent(id)) return kit.fail(res, 404, 'notFound');
    if (!approvalPending(kit, c.p.user.id, id, c.p.reason))
      ledger
        .sql('INSERT INTO approvals (consent_id, requester_id, reason, created_at) VALUES (?, ?, ?, ?)')
        .run(id, c.p.user.id, c.p.reason, now().toISOString());
    kit.audit(res, { action: 'approval_requested', consentId: id });
    if (c.p.api) return res.status(202).json({ status: 'pending' });
    res.redirect(303, `/audit/consents/${encodeURIComponent(id)}`);
  });

  kit.both('get', '/approvals', 'approve', (_req, res, c) => {
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
    kit.page(res, c, 200, c.t('approvals'), views.approvalsPage(c.t, c.p.session?.csrf ?? '', pending));
  });

  kit.both('post', '/approvals/:id/approve', 'approve', (req, res, c) => {
    // Nobody approves their own request: that is the point of four eyes.
    const changed = ledger
      .sql(
        "UPDATE approvals SET status = 'approved', approver_id = ?, decided_at = ? WHERE id = ? AND status = 'pending' AND requester_id != ?",
      )
      .run(c.p.user.id, now().toISOString(), Number(req.params.id), c.p.user.id).changes;
    if (changed !== 1) return kit.fail(res, 404, 'notFound');
    kit.audit(res, { action: 'approval_granted', detail: { approval: Number(req.params.id) } });
    if (c.p.api) return res.json({ status: 'approved' });
    res.redirect(303, '/audit/approvals');
  });
}
