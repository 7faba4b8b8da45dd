import { approvalRequestHtml } from '../../audit/approval-views';
import { can } from '../../audit/roles';
import { callDetail } from '../../audit/call-detail';
import { searchCalls } from '../../audit/call-search';
import { consentDetail, hasCriteria, searchConsents, searchSchema } from '../../audit/consents';
import * as views from '../../audit/desk-pages';
import { reasonForm } from '../../audit/views';
import { escapeHtml } from '../../audit/html';
import { looksLikeNumber } from '../../audit/number-query';
import { buildEvidenceZip } from '../../audit/evidence';
import { readClip } from '../../jobs/handlers';
import { deskView, noticeTexts, searchCountries } from './desk-view';
import { accessKey, str, type Authed, type Handler, type PortalKit } from './kit';
import { sendBytes } from './send-bytes';

/** The auditor's reading of personal data: the reason, search, one consent, its clip, its evidence. */
export function mountConsentRoutes(kit: PortalKit): void {
  const { router, ledger, config, now, approvals } = kit;

  /**
   * With four eyes on, audio is released only by an approval of this reason, which the access
   * uses up (playing: the range requests of one play). Without four eyes, always.
   */
  const release = (
    c: Authed,
    id: string,
    use: 'play' | 'download' | 'export',
  ): { approval: number | null } | null => {
    if (!config.auditFourEyes) return { approval: null };
    const approval = approvals.consume(id, c.p.user.id, c.p.reason, accessKey(c.p), use);
    return approval === null ? null : { approval };
  };

  router.get('/reason', (req, res) => {
    const c = kit.ctx(res) as Authed;
    if (!can(c.p.user.role, 'searchConsents')) return kit.fail(res, 403, 'forbidden');
    const next = str(req.query.next).startsWith('/audit/') ? str(req.query.next) : '/audit/consents';
    kit.page(res, c, 200, c.t('reason'), reasonForm(c.t, c.p.session?.csrf ?? '', c.p.reason, next));
  });

  router.post('/reason', (req, res) => {
    const c = kit.ctx(res) as Authed;
    if (!can(c.p.user.role, 'searchConsents') || !c.p.session) return kit.fail(res, 403, 'forbidden');
    const reason = str(req.body?.reason).trim().slice(0, 500);
    if (reason.length < 5)
      return kit.page(res, c, 400, c.t('reason'), reasonForm(c.t, c.p.session.csrf, null, '/audit/consents'));
    kit.sessions.setReason(c.p.session.id_hash, reason);
    c.p.reason = reason;
    kit.audit(res, { action: 'reason_stated' });
    const next = str(req.body?.next);
    res.redirect(303, next.startsWith('/audit/') && !next.startsWith('//') ? next : '/audit/consents');
  });

  // The shipped locales, not a scan of every call for the languages that occur.
  const facets = (): { languages: string[]; purposes: string[] } => ({
    languages: noticeTexts(kit).locales,
    purposes: config.operator.purposes.map((p) => p.id),
  });

  // One search over every call (HTML at /consents and /calls); the API keeps a consent list at
  // /api/consents and gives calls at /api/calls.
  const search =
    (kind: 'consents' | 'calls'): Handler =>
    (req, res, c) => {
      if (kit.needReason(req, res, c)) return;
      const v = deskView(kit, c);
      const f = facets();
      const parsed = searchSchema.safeParse(req.query);
      if (!parsed.success) {
        const problem = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
        if (c.p.api) return res.status(400).json({ error: problem });
        return kit.page(
          res,
          c,
          400,
          v.w('searchTitle'),
          `<p class="error" role="alert">${escapeHtml(problem)}</p>${views.searchPage(v, c.t, searchSchema.parse({}), c.p.reason ?? '', null, f, [])}`,
        );
      }
      const q = parsed.data;
      if (!hasCriteria(q)) {
        if (c.p.api)
          return res.status(400).json({
            error:
              'give at least one search criterion: number, consentId, callSid, from, to, outcome, status, purpose or language',
          });
        return kit.page(
          res,
          c,
          200,
          v.w('searchTitle'),
          views.searchPage(v, c.t, q, c.p.reason ?? '', null, f, [v.w('empty')]),
        );
      }
      const notes = q.number && !looksLikeNumber(q.number) ? [v.w('notANumber')] : [];
      const countries = searchCountries(kit);
      const consents = c.p.api && kind === 'consents' ? searchConsents(ledger, q, countries) : null;
      const calls = consents ? null : searchCalls(ledger, q, countries);
      // The number itself never enters the access log: its presence is enough to explain the search.
      const { number, ...criteria } = q;
      kit.audit(res, {
        action: 'search',
        detail: {
          ...criteria,
          number: number ? 'given' : undefined,
          results: consents
            ? consents.rows.map((r) => r.id)
            : (calls?.rows ?? []).map((r) => r.consentId ?? r.callSid),
        },
      });
      if (c.p.api) return res.json(consents ?? calls);
      kit.page(
        res,
        c,
        200,
        v.w('searchTitle'),
        views.searchPage(v, c.t, q, c.p.reason ?? '', calls, f, notes),
      );
    };
  kit.both('get', '/consents', 'searchConsents', search('consents'));
  kit.both('get', '/calls', 'searchConsents', search('calls'));

  kit.both('get', '/consents/:id', 'readConsent', (req, res, c) => {
    if (kit.needReason(req, res, c)) return;
    const id = str(req.params.id);
    const d = consentDetail(ledger, id);
    if (!d) return kit.fail(res, 404, 'notFound');
    const call = callDetail(ledger, d.consent.callSid);
    // The page also shows the caller's other consents and calls: each is a read of its own.
    const shown = new Map<string, { consentId: string | null; callSid: string | null }>();
    for (const h of call?.history ?? d.history)
      if (h.callSid !== d.consent.callSid || (h.consentId !== null && h.consentId !== id))
        shown.set(`${h.consentId ?? ''}|${h.callSid ?? ''}`, { consentId: h.consentId, callSid: h.callSid });
    kit.audit(
      res,
      { action: 'view_consent', consentId: id, callSid: d.consent.callSid },
      ...[...shown.values()].map((h) => ({ action: 'view_history', ...h, detail: { shownWith: id } })),
    );
    if (c.p.api) return res.json(d);
    kit.page(
      res,
      c,
      200,
      `${c.t('consent')} ${id}`,
      views.consentPage(deskView(kit, c), c.t, d, call, {
        allowed: !config.auditFourEyes || approvals.available(id, c.p.user.id, c.p.reason, accessKey(c.p)),
        requestHtml: approvalRequestHtml(
          c.lang,
          id,
          c.p.session?.csrf ?? '',
          approvals.mine(c.p.user.id, id)[0],
        ),
      }),
    );
  });

  kit.both('get', '/consents/:id/clip', 'playClip', async (req, res, c) => {
    if (kit.needReason(req, res, c)) return;
    const id = str(req.params.id);
    if (!ledger.getConsent(id) || ledger.getClip(id)?.status !== 'stored')
      return kit.fail(res, 404, 'notFound');
    const download = req.query.download === '1';
    const released = release(c, id, download ? 'download' : 'play');
    if (!released) return kit.fail(res, 403, 'forbidden', 'four-eyes approval required');
    const clip = await readClip(ledger, kit.deps.store, id);
    if (!clip) return kit.fail(res, 404, 'notFound');
    kit.audit(res, {
      action: download ? 'download_clip' : 'play_clip',
      consentId: id,
      detail: { range: req.headers.range ?? null, approval: released.approval },
    });
    sendBytes(req, res, clip.audio, clip.format, download ? `${id}.mp3` : null);
  });

  kit.both('get', '/consents/:id/export', 'exportEvidence', async (req, res, c) => {
    if (kit.needReason(req, res, c)) return;
    const id = str(req.params.id);
    if (!ledger.getConsent(id)) return kit.fail(res, 404, 'notFound');
    // Without a released clip the evidence goes out without audio, saying so in its manifest.
    const released = ledger.getClip(id)?.status === 'stored' ? release(c, id, 'export') : null;
    const clip = released ? await readClip(ledger, kit.deps.store, id) : null;
    const built = await buildEvidenceZip({
      ledger,
      config,
      consentId: id,
      clip,
      exportedBy: c.p.user.email,
      at: now(),
      checkpoints: kit.deps.checkpoints,
      texts: noticeTexts(kit),
    });
    if (!built) return kit.fail(res, 404, 'notFound');
    kit.audit(res, {
      action: 'export_evidence',
      consentId: id,
      detail: {
        manifestSha256: built.manifestSha256,
        clip: clip !== null,
        approval: released?.approval ?? null,
      },
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
