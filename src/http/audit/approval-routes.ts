import { approvalsPage } from '../../audit/approval-views';
import { str, type PortalKit } from './kit';

/** The four-eyes rule: an auditor asks, another approves; the approval expires and is used once. */
export function mountApprovalRoutes(kit: PortalKit): void {
  const { ledger, approvals } = kit;

  kit.both('post', '/consents/:id/approval', 'playClip', (req, res, c) => {
    if (kit.needReason(req, res, c)) return;
    const id = str(req.params.id);
    if (!ledger.getConsent(id)) return kit.fail(res, 404, 'notFound');
    approvals.request(id, c.p.user.id, c.p.reason ?? '');
    kit.audit(res, { action: 'approval_requested', consentId: id });
    if (c.p.api) return res.status(202).json({ status: 'pending' });
    res.redirect(303, `/audit/consents/${encodeURIComponent(id)}`);
  });

  kit.both('get', '/approvals', 'approve', (_req, res, c) => {
    const pending = approvals.pendingFor(c.p.user.id);
    const mine = approvals.mine(c.p.user.id);
    if (c.p.api) return res.json({ pending, mine });
    kit.page(res, c, 200, c.t('approvals'), approvalsPage(c.lang, c.p.session?.csrf ?? '', pending, mine));
  });

  kit.both('post', '/approvals/:id/reject', 'approve', (req, res, c) => {
    const id = Number(req.params.id);
    const note = str(req.body?.reason).trim().slice(0, 500);
    if (note.length < 5) {
      const error = 'say why you reject the request (at least 5 characters): the requester reads it';
      if (c.p.api) return res.status(400).json({ error });
      return kit.page(res, c, 400, c.t('approvals'), `<p class="error" role="alert">${error}</p>`);
    }
    // As with approving: never one's own request, and only while it is pending.
    if (!Number.isInteger(id) || !approvals.reject(id, c.p.user.id, note))
      return kit.fail(res, 404, 'notFound');
    kit.audit(res, { action: 'approval_rejected', detail: { approval: id, reason: note } });
    if (c.p.api) return res.json({ status: 'rejected' });
    res.redirect(303, '/audit/approvals');
  });

  kit.both('post', '/approvals/:id/approve', 'approve', (req, res, c) => {
    // Nobody approves their own request: that is the point of four eyes.
    if (!approvals.approve(Number(req.params.id), c.p.user.id)) return kit.fail(res, 404, 'notFound');
    kit.audit(res, { action: 'approval_granted', detail: { approval: Number(req.params.id) } });
    if (c.p.api) return res.json({ status: 'approved' });
    res.redirect(303, '/audit/approvals');
  });
}
