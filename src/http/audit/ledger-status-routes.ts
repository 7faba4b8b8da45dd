import { ledgerPage, type LedgerOverview } from '../../audit/ledger-view';
import { can } from '../../audit/roles';
import { checkpointKey } from '../../storage/checkpoint-store';
import { str, type Authed, type PortalKit } from './kit';

/** The checkpoint overview (any signed-in role: no personal data) and the admin's acknowledgement. */
export function mountLedgerStatusRoutes(kit: PortalKit): void {
  const { ledger, now } = kit;

  const overview = async (c: Authed): Promise<LedgerOverview | null> => {
    const checkpoints = kit.deps.checkpoints;
    if (!checkpoints) return null;
    const latest = checkpoints.latest();
    let bucketCopy = 'no checkpoint yet';
    if (latest)
      try {
        const copy = await checkpoints.store.get(checkpointKey(latest.epoch, latest.size));
        bucketCopy = copy === null ? 'missing' : copy === latest.note ? 'matches' : 'differs from the ledger';
      } catch (error) {
        bucketCopy = `cannot be read: ${(error as Error).message}`;
      }
    return {
      status: checkpoints.status(),
      eventCount: ledger.merkle.size(),
      latest,
      ageSeconds: latest ? Math.round((now().getTime() - Date.parse(latest.signed_at)) / 1000) : null,
      bucketCopy,
      incident: checkpoints.openIncident(),
      canAcknowledge: can(c.p.user.role, 'manageUsers'),
    };
  };

  kit.both('get', '/ledger', null, async (_req, res, c) => {
    const o = await overview(c);
    if (!o) return kit.fail(res, 404, 'notFound');
    if (c.p.api) return res.json({ ...o, latest: o.latest && { ...o.latest } });
    kit.page(res, c, 200, 'Ledger checkpoints', ledgerPage(o, c.p.session?.csrf ?? ''));
  });

  kit.both('post', '/ledger/acknowledge', 'manageUsers', async (req, res, c) => {
    const checkpoints = kit.deps.checkpoints;
    const note = str(req.body?.note).trim().slice(0, 500);
    if (!checkpoints) return kit.fail(res, 404, 'notFound');
    if (!note) {
      if (c.p.api) return res.status(400).json({ error: 'a note saying what happened is required' });
      return kit.page(res, c, 400, 'Ledger checkpoints', '<p>A note saying what happened is required.</p>');
    }
    const closed = checkpoints.acknowledge(c.p.user.email, note);
    kit.audit(res, {
      action: 'ledger_incident_acknowledged',
      detail: { incidents: closed.map((i) => ({ checkpoint: i.checkpoint_size, epoch: i.epoch })), note },
    });
    // The next round signs under the new epoch.
    await checkpoints.tick(true);
    if (c.p.api) return res.json({ acknowledged: closed.length, status: checkpoints.status() });
    const o = await overview(c);
    kit.page(res, c, 200, 'Ledger checkpoints', o ? ledgerPage(o, c.p.session?.csrf ?? '') : '');
  });
}
