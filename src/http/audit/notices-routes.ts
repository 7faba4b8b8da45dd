import {
  approveNoticeVersion,
  findNoticeVersion,
  gateOfVersion,
  NoticeApprovalError,
} from '../../audit/notices';
import { can } from '../../audit/roles';
import { signoffModel } from '../../notices/signoff';
import { signoffPage } from '../../notices/signoff-view';
import { archiveDirOf } from '../../notices/source';
import { resolveFfmpeg } from '../../recording/ffmpeg';
import { str, type Authed, type PortalKit } from './kit';
import type { Response } from 'express';

/**
 * Sign-off of what callers hear: the dpo (or admin, NOTICE_APPROVERS) sees every draft against the
 * live version, word by word per language, and approves it; ops reload the texts. No personal data.
 */
export function mountNoticeRoutes(kit: PortalKit): void {
  const { ledger, config } = kit;
  const archiveDir = archiveDirOf(config.databasePath);
  const mayApprove = (c: Authed): boolean =>
    can(c.p.user.role, 'approveNotices') && config.notices.approvers.some((r) => r === c.p.user.role);

  const show = async (res: Response, c: Authed, status: number, error?: string): Promise<void> => {
    const model = await signoffModel(ledger, archiveDir, resolveFfmpeg(config.ffmpegPath ?? undefined));
    const notice = kit.deps.notices?.status() ?? null;
    if (c.p.api) {
      const drafts = model.drafts.map((d) => ({ ...d, gate: gateOfVersion(ledger, d.version.id) }));
      res.status(status).json({ ...(error ? { error } : {}), notice, live: model.live, drafts });
      return;
    }
    kit.page(
      res,
      c,
      status,
      c.t('notices'),
      signoffPage(c.lang, model, notice, {
        csrf: c.p.session?.csrf ?? '',
        mayApprove: mayApprove(c),
        mayReload: can(c.p.user.role, 'reloadTexts') && Boolean(kit.deps.notices),
        gate: (d) => gateOfVersion(ledger, d.version.id),
        error,
      }),
    );
  };

  kit.both('get', '/notices', 'reloadTexts', async (_req, res, c) => {
    kit.deps.notices?.refresh();
    await show(res, c, 200);
  });

  kit.both('post', '/notices/:id/approve', 'approveNotices', async (req, res, c) => {
    const version = findNoticeVersion(ledger, str(req.params.id));
    if (!version) return kit.fail(res, 404, 'notFound');
    try {
      approveNoticeVersion(ledger, version.id, c.p.user.email, kit.now(), config.notices.approvers);
    } catch (error) {
      if (!(error instanceof NoticeApprovalError)) throw error;
      const forbidden = !mayApprove(c);
      if (forbidden) return kit.fail(res, 403, 'forbidden', error.message);
      return show(res, c, 409, error.message);
    }
    kit.audit(res, { action: 'notice_approved', detail: { version: version.id } });
    kit.deps.notices?.refresh();
    if (c.p.api) return res.json({ approved: version.id, notice: kit.deps.notices?.status() ?? null });
    res.redirect(303, '/audit/notices');
  });

  kit.both('post', '/notices/reload', 'reloadTexts', async (_req, res, c) => {
    const notices = kit.deps.notices;
    if (!notices) return kit.fail(res, 404, 'notFound');
    const result = notices.reload();
    kit.audit(res, { action: 'texts_reloaded', detail: { ok: result.ok, files: result.status.files } });
    if (c.p.api) return res.status(result.ok ? 200 : 422).json(result);
    res.redirect(303, '/audit/notices');
  });
}
