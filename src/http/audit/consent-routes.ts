import { can } from '../../audit/roles';
import { consentDetail, hasCriteria, searchConsents, searchSchema } from '../../audit/consents';
import { buildEvidenceZip } from '../../audit/evidence';
import * as views from '../../audit/views';
import { readClip } from '../../jobs/handlers';
import { approvalPending, fourEyesOk } from './four-eyes';
import { str, type Authed, type PortalKit } from './kit';
import { sendBytes } from './send-bytes';

/** The auditor's reading of personal data: the reason, search, one consent, its clip, its evidence. */
export function mountConsentRoutes(kit: PortalKit): void {
  const { router, ledger, config, now } = kit;

  router.get('/reason', (req, res) => {
    const c = kit.ctx(res) as Authed;
    if (!can(c.p.user.role, 'searchConsents')) return kit.fail(res, 403, 'forbidden');
    const next = str(req.query.next).startsWith('/audit/') ? str(req.query.next) : '/audit/consents';
    kit.page(res, c, 200, c.t('reason'), views.reasonForm(c.t, c.p.session?.csrf ?? '', c.p.reason, next));
  });

  router.post('/reason', (req, res) => {
    const c = kit.ctx(res) as Authed;
    if (!can(c.p.user.role, 'searchConsents') || !c.p.session) return kit.fail(res, 403, 'forbidden');
    const reason = str(req.body?.reason).trim().slice(0, 500);
    if (reason.length < 5)
      return kit.page(
        res,
        c,
        400,
        c.t('reason'),
        views.reasonForm(c.t, c.p.session.csrf, null, '/audit/consents'),
      );
    kit.sessions.setReason(c.p.session.id_hash, reason);
    c.p.reason = reason;
    kit.audit(res, { action: 'reason_stated' });
    const next = str(req.body?.next);
    res.redirect(303, next.startsWith('/audit/') && !next.startsWith('//') ? next : '/audit/consents');
  });

  const facets = (): { languages: string[]; purposes: string[] } => ({
    languages: ledger.db
      .prepare('SELECT DISTINCT locale FROM consents ORDER BY locale')
      .pluck()
      .all() as string[],
    purposes: config.operator.purposes.map((p) => p.id),
  });

  kit.both('get', '/consents', 'searchConsents', (req, res, c) => {
    if (kit.needReason(req, res, c)) return;
    const parsed = searchSchema.safeParse(req.query);
    if (!parsed.success) {
      if (c.p.api)
        return res.status(400).json({ error: parsed.error.issues.map((i) => i.message).join('; ') });
      return kit.page(res, c, 400, c.t('search'), `<p class="error">${c.t('none')}</p>`);
    }
    const q = parsed.data;
    const f = facets();
    if (!hasCriteria(q)) {
      if (c.p.api) return res.status(400).json({ error: 'give at least one search criterion' });
      return kit.page(
        res,
        c,
        200,
        c.t('search'),
        views.searchPage(c.t, q, c.p.reason ?? '', null, f.languages, f.purposes),
      );
    }
    const result = searchConsents(ledger, q);
    // The number itself never enters the access log: its presence is enough to explain the search.
    const { number, ...criteria } = q;
    kit.audit(res, {
      action: 'search',
      detail: { ...criteria, number: number ? 'given' : undefined, results: result.rows.map((r) => r.id) },
    });
    if (c.p.api) return res.json(result);
    kit.page(
      res,
      c,
      200,
      c.t('search'),
      views.searchPage(c.t, q, c.p.reason ?? '', result, f.languages, f.purposes),
    );
  });

  kit.both('get', '/consents/:id', 'readConsent', (req, res, c) => {
    if (kit.needReason(req, res, c)) return;
    const id = str(req.params.id);
    const d = consentDetail(ledger, id);
    if (!d) return kit.fail(res, 404, 'notFound');
    kit.audit(res, { action: 'view_consent', consentId: id, callSid: d.consent.callSid });
    if (c.p.api) return res.json(d);
    kit.page(
      res,
      c,
      200,
      `${c.t('consent')} ${id}`,
      views.consentPage(c.t, d, {
        allowed: fourEyesOk(kit, c.p.user.id, id, c.p.reason),
        pending: approvalPending(kit, c.p.user.id, id, c.p.reason),
        csrf: c.p.session?.csrf ?? '',
      }),
    );
  });

  kit.both('get', '/consents/:id/clip', 'playClip', async (req, res, c) => {
    if (kit.needReason(req, res, c)) return;
    const id = str(req.params.id);
    if (!ledger.getConsent(id)) return kit.fail(res, 404, 'notFound');
    if (!fourEyesOk(kit, c.p.user.id, id, c.p.reason))
      return kit.fail(res, 403, 'forbidden', 'four-eyes approval required');
    const clip = await readClip(ledger, kit.deps.store, id);
    if (!clip) return kit.fail(res, 404, 'notFound');
    const download = req.query.download === '1';
    kit.audit(res, {
      action: download ? 'download_clip' : 'play_clip',
      consentId: id,
      detail: { range: req.headers.range ?? null },
    });
    sendBytes(req, res, clip.audio, clip.format, download ? `${id}.mp3` : null);
  });

  kit.both('get', '/consents/:id/export', 'exportEvidence', async (req, res, c) => {
    if (kit.needReason(req, res, c)) return;
    const id = str(req.params.id);
    if (!ledger.getConsent(id)) return kit.fail(res, 404, 'notFound');
    const clip = fourEyesOk(kit, c.p.user.id, id, c.p.reason)
      ? await readClip(ledger, kit.deps.store, id)
      : null;
    const built = await buildEvidenceZip({
      ledger,
      config,
      consentId: id,
      clip,
      exportedBy: c.p.user.email,
      at: now(),
    });
    if (!built) return kit.fail(res, 404, 'notFound');
    kit.audit(res, {
      action: 'export_evidence',
      consentId: id,
      detail: { manifestSha256: built.manifestSha256, clip: clip !== null },
    });
    res
      .status(200)
      .type('application/zip')
      .setHeader(
        'Content-Disposition',
        `attachment; filename="evidence-${id.replace(/[^A-Za-z0-9-]/g, '')}.zip"`,
      )
      .send(built.zip);
  });
}
