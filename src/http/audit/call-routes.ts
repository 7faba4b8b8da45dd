import { callDetail } from '../../audit/call-detail';
import { callPage } from '../../audit/desk-pages';
import { deskView } from './desk-view';
import { str, type PortalKit } from './kit';

/** A call page for every call, with or without a consent (timeline, notice heard, handover). */
export function mountCallRoutes(kit: PortalKit): void {
  kit.both('get', '/calls/:sid', 'readConsent', (req, res, c) => {
    if (kit.needReason(req, res, c)) return;
    const sid = str(req.params.sid);
    const d = callDetail(kit.ledger, sid);
    if (!d) return kit.fail(res, 404, 'notFound');
    // The caller's other calls and consents shown beside this one are reads of their own.
    const shown = new Map<string, { consentId: string | null; callSid: string | null }>();
    for (const h of d.history)
      if (h.callSid !== sid)
        shown.set(`${h.consentId ?? ''}|${h.callSid ?? ''}`, { consentId: h.consentId, callSid: h.callSid });
    kit.audit(
      res,
      { action: 'view_call', callSid: sid, consentId: d.consents[0]?.id ?? null },
      ...[...shown.values()].map((h) => ({ action: 'view_history', ...h, detail: { shownWithCall: sid } })),
    );
    if (c.p.api) return res.json({ ...d, fullReasons: Object.fromEntries(d.fullReasons) });
    const v = deskView(kit, c);
    kit.page(res, c, 200, `${v.w('call')} ${sid}`, callPage(v, d));
  });
}
