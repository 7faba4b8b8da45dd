import crypto from 'node:crypto';
import { diffWords } from 'diff';
import type { Ledger } from '../ledger';
import type { NoticeSource } from '../notices/source';
import { gateFindings } from '../notices/variants';
import { can, isRole } from './roles';

/**
 * Notice versions: everything callers hear (texts per language, recorded prompts by hash) as one
 * content-addressed version. A version no dpo (or admin) approved is a draft; approving it is
 * recorded in the table and as a ledger event (who, when, content hash).
 */

export type NoticeContent = Record<string, Record<string, string>>;

export interface NoticeVersion {
  id: string;
  createdAt: string;
  content: NoticeContent;
  approvedBy: string | null;
  approvedAt: string | null;
  status: 'live' | 'draft' | 'superseded';
}

/** Stable JSON: the same texts give the same id on every machine, whatever the key order. */
function canonical(content: NoticeContent): string {
  const sorted: NoticeContent = {};
  for (const lng of Object.keys(content).sort()) {
    const texts = content[lng] ?? {};
    sorted[lng] = Object.fromEntries(
      Object.keys(texts)
        .sort()
        .map((k) => [k, texts[k] ?? '']),
    );
  }
  return JSON.stringify(sorted);
}

export const noticeVersionId = (content: NoticeContent): string =>
  crypto.createHash('sha256').update(canonical(content)).digest('hex');

interface Row {
  id: string;
  created_at: string;
  content: string;
  approved_by: string | null;
  approved_at: string | null;
}

/**
 * Records the content as a version (a draft unless already known); returns its id. `source` is
 * what it was built from (notices/source), kept so the version can be played again later.
 */
export function registerNoticeVersion(
  ledger: Ledger,
  content: NoticeContent,
  at: Date,
  source?: string,
): string {
  const id = noticeVersionId(content);
  ledger.db
    .prepare(
      `INSERT INTO notice_versions (id, created_at, content, source) VALUES (?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET source = COALESCE(notice_versions.source, excluded.source)`,
    )
    .run(id, at.toISOString(), canonical(content), source ?? null);
  return id;
}

/** What a version was built from, when known (versions from before migration 11 have none). */
export function noticeVersionSource(ledger: Ledger, id: string): string | undefined {
  const row = ledger.db.prepare('SELECT source FROM notice_versions WHERE id = ?').get(id) as
    { source: string | null } | undefined;
  return row?.source ?? undefined;
}

/** Newest first. The live version is the most recently approved one. */
export function listNoticeVersions(ledger: Ledger): NoticeVersion[] {
  const rows = ledger.db
    .prepare(
      'SELECT id, created_at, content, approved_by, approved_at FROM notice_versions ORDER BY created_at DESC, id',
    )
    .all() as Row[];
  const live = rows
    .filter((r) => r.approved_at)
    .sort((a, b) => (b.approved_at ?? '').localeCompare(a.approved_at ?? ''))[0]?.id;
  return rows.map((r) => ({
    id: r.id,
    createdAt: r.created_at,
    content: JSON.parse(r.content) as NoticeContent,
    approvedBy: r.approved_by,
    approvedAt: r.approved_at,
    status: r.id === live ? 'live' : r.approved_at ? 'superseded' : 'draft',
  }));
}

/** A version by full id or unique prefix (at least 6 characters), or `live`. */
export function findNoticeVersion(ledger: Ledger, ref: string): NoticeVersion | undefined {
  const all = listNoticeVersions(ledger);
  if (ref === 'live') return all.find((v) => v.status === 'live');
  if (ref.length < 6) return undefined;
  const hits = all.filter((v) => v.id.startsWith(ref.toLowerCase()));
  return hits.length === 1 ? hits[0] : undefined;
}

export interface TextDiff {
  locale: string;
  key: string;
  /** Word-level parts: unchanged, removed or added. */
  parts: Array<{ text: string; change: 'same' | 'removed' | 'added' }>;
}

/** Every text that differs between two versions, language by language, word by word. */
export function diffNoticeVersions(from: NoticeContent, to: NoticeContent): TextDiff[] {
  const out: TextDiff[] = [];
  for (const locale of [...new Set([...Object.keys(from), ...Object.keys(to)])].sort()) {
    const a = from[locale] ?? {};
    const b = to[locale] ?? {};
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      if (a[key] === b[key]) continue;
      const parts = diffWords(a[key] ?? '', b[key] ?? '').map((p) => ({
        text: p.value,
        change: p.added ? ('added' as const) : p.removed ? ('removed' as const) : ('same' as const),
      }));
      out.push({ locale, key, parts });
    }
  }
  return out;
}

/** Plain-text rendering for the command line: [-removed-] {+added+}. */
export function formatDiff(diffs: TextDiff[]): string {
  if (diffs.length === 0) return 'no differences\n';
  return diffs
    .map(
      (d) =>
        `${d.locale} ${d.key}:\n  ${d.parts
          .map((p) =>
            p.change === 'removed' ? `[-${p.text}-]` : p.change === 'added' ? `{+${p.text}+}` : p.text,
          )
          .join('')}\n`,
    )
    .join('');
}

export class NoticeApprovalError extends Error {}

/** What the compliance gate finds in a version's variants (nothing for one without a stored source). */
export function gateOfVersion(ledger: Ledger, id: string): string[] {
  const stored = noticeVersionSource(ledger, id);
  if (!stored) return [];
  const source = JSON.parse(stored) as Pick<NoticeSource, 'prompts' | 'variants' | 'elements'>;
  return gateFindings(source.prompts, source.variants ?? {}, source.elements ?? {});
}

/**
 * Approves a draft as the user with that e-mail, who must be an enabled user of an approving role
 * (dpo and admin unless NOTICE_APPROVERS says otherwise). The version
 * becomes live; the approval is a ledger event naming who, when and the content hash.
 */
export function approveNoticeVersion(
  ledger: Ledger,
  id: string,
  email: string,
  at: Date,
  approvers: readonly string[] = ['dpo', 'admin'],
): NoticeVersion {
  const user = ledger.db.prepare('SELECT email, role, disabled FROM users WHERE email = ?').get(email) as
    { email: string; role: string; disabled: number } | undefined;
  if (!user || user.disabled) throw new NoticeApprovalError(`no enabled portal user ${email}`);
  if (!isRole(user.role) || !can(user.role, 'approveNotices') || !approvers.includes(user.role))
    throw new NoticeApprovalError(
      `${email} is ${user.role}: only ${approvers.length > 1 ? 'a dpo or an admin' : `a ${approvers[0] ?? 'dpo'}`} approves notice versions`,
    );
  const version = findNoticeVersion(ledger, id);
  if (!version) throw new NoticeApprovalError(`no notice version ${id}`);
  if (version.approvedAt)
    throw new NoticeApprovalError(`notice version ${version.id.slice(0, 12)} is already approved`);
  const refused = gateOfVersion(ledger, version.id);
  if (refused.length > 0)
    throw new NoticeApprovalError(
      `notice version ${version.id.slice(0, 12)} fails the compliance gate: ${refused.join('; ')}`,
    );
  ledger.db.transaction(() => {
    ledger.db
      .prepare(
        'UPDATE notice_versions SET approved_by = ?, approved_at = ? WHERE id = ? AND approved_at IS NULL',
      )
      .run(user.email, at.toISOString(), version.id);
    ledger.append([
      {
        type: 'notice_approved',
        at,
        data: { version: version.id, contentSha256: version.id, by: user.email, role: user.role },
      },
    ]);
  })();
  return { ...version, approvedBy: user.email, approvedAt: at.toISOString(), status: 'live' };
}
