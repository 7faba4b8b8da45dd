import type { Ledger } from '../ledger';
import { escapeHtml as e } from './html';

/**
 * The data-protection officer's regular internal review, one quarter on one printable page:
 * consents, withdrawals by channel, deletions and certificates, failed jobs, who accessed what,
 * notice versions approved and key rotations. Counts and staff accounts; no caller data.
 */
export interface ReviewReport {
  quarter: string;
  from: string;
  to: string;
  consents: { granted: number; declined: number };
  withdrawalsByChannel: Record<string, number>;
  deletions: { requested: number; complete: number; pending: number; byReason: Record<string, number> };
  failedJobs: Array<{ kind: string; count: number; lastError: string }>;
  accessByUser: Array<{ user: string; role: string; accesses: number; actions: Record<string, number> }>;
  noticesApproved: Array<{ id: string; by: string; at: string }>;
  keyRotations: Array<{ at: string; active: string }>;
}

/** `2026-Q4` → its first and last day; null when it is not a quarter. */
export function quarterRange(quarter: string): { from: string; to: string } | null {
  const m = /^(\d{4})-Q([1-4])$/.exec(quarter);
  if (!m) return null;
  const year = Number(m[1]);
  const q = Number(m[2]);
  const from = new Date(Date.UTC(year, (q - 1) * 3, 1));
  const to = new Date(Date.UTC(year, q * 3, 0));
  return { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
}

export const quarterOf = (d: Date): string => `${d.getUTCFullYear()}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`;

const bump = (r: Record<string, number>, k: string): void => {
  r[k] = (r[k] ?? 0) + 1;
};

export function reviewReport(ledger: Ledger, quarter: string): ReviewReport | null {
  const range = quarterRange(quarter);
  if (!range) return null;
  const from = `${range.from}T00:00:00.000Z`;
  const to = `${range.to}T23:59:59.999Z`;
  const q = (sql: string, ...args: unknown[]): unknown[] => ledger.db.prepare(sql).all(...args);
  const consents = { granted: 0, declined: 0 };
  for (const r of q(
    'SELECT decision FROM consents WHERE created_at >= ? AND created_at <= ?',
    from,
    to,
  ) as Array<{ decision: string }>)
    if (r.decision === 'granted') consents.granted += 1;
    else consents.declined += 1;
  const withdrawalsByChannel: Record<string, number> = {};
  for (const r of q(
    "SELECT data FROM events WHERE type = 'withdrawn' AND at >= ? AND at <= ?",
    from,
    to,
  ) as Array<{ data: string }>)
    bump(withdrawalsByChannel, String((JSON.parse(r.data) as { channel?: unknown }).channel ?? 'call'));
  const deletions: ReviewReport['deletions'] = { requested: 0, complete: 0, pending: 0, byReason: {} };
  for (const r of q(
    'SELECT reason, completed_at FROM deletions WHERE requested_at >= ? AND requested_at <= ?',
    from,
    to,
  ) as Array<{ reason: string; completed_at: string | null }>) {
    deletions.requested += 1;
    if (r.completed_at) deletions.complete += 1;
    else deletions.pending += 1;
    bump(deletions.byReason, r.reason);
  }
  const failedJobs = (
    q(
      "SELECT kind, COUNT(*) AS n, MAX(last_error) AS err FROM jobs WHERE status = 'failed' GROUP BY kind ORDER BY kind",
    ) as Array<{ kind: string; n: number; err: string | null }>
  ).map((r) => ({ kind: r.kind, count: Number(r.n), lastError: r.err ?? '' }));
  const users = new Map<string, ReviewReport['accessByUser'][number]>();
  for (const r of q('SELECT type, data FROM access_log WHERE at >= ? AND at <= ?', from, to) as Array<{
    type: string;
    data: string;
  }>) {
    const d = JSON.parse(r.data) as { user?: string; role?: string };
    const key = d.user ?? 'unknown';
    const u = users.get(key) ?? { user: key, role: d.role ?? '', accesses: 0, actions: {} };
    u.accesses += 1;
    bump(u.actions, r.type);
    users.set(key, u);
  }
  const noticesApproved = (
    q(
      'SELECT id, approved_by, approved_at FROM notice_versions WHERE approved_at >= ? AND approved_at <= ? ORDER BY approved_at',
      from,
      to,
    ) as Array<{ id: string; approved_by: string; approved_at: string }>
  ).map((r) => ({ id: r.id, by: r.approved_by, at: r.approved_at }));
  const keyRotations = (
    q(
      "SELECT at, data FROM events WHERE type = 'keys_rotated' AND at >= ? AND at <= ? ORDER BY seq",
      from,
      to,
    ) as Array<{ at: string; data: string }>
  ).map((r) => ({
    at: r.at,
    active: String((JSON.parse(r.data) as { active?: unknown }).active ?? ''),
  }));
  return {
    quarter,
    ...range,
    consents,
    withdrawalsByChannel,
    deletions,
    failedJobs,
    accessByUser: [...users.values()].sort((a, b) => a.user.localeCompare(b.user)),
    noticesApproved,
    keyRotations,
  };
}

const table = (caption: string, head: string[], rows: string[][]): string =>
  `<table><caption>${e(caption)}</caption><thead><tr>${head.map((h) => `<th scope="col">${e(h)}</th>`).join('')}</tr></thead><tbody>${
    rows.length
      ? rows.map((r) => `<tr>${r.map((c) => `<td>${e(c)}</td>`).join('')}</tr>`).join('')
      : `<tr><td colspan="${head.length}">none</td></tr>`
  }</tbody></table>`;

/** One page, for the browser's print (A4): every section a table. */
export function reviewPage(r: ReviewReport): string {
  return `<style>@media print{header,nav,form{display:none}main{max-width:none;padding:0}table{display:table;font-size:10pt}h1{font-size:14pt}}</style>
<p>Quarter <strong>${e(r.quarter)}</strong>: ${e(r.from)} to ${e(r.to)} (UTC). Print this page for the review file.</p>
${table('Consents', ['granted', 'declined'], [[String(r.consents.granted), String(r.consents.declined)]])}
${table(
  'Withdrawals by channel',
  ['channel', 'withdrawals'],
  Object.entries(r.withdrawalsByChannel).map(([c, n]) => [c, String(n)]),
)}
${table(
  'Deletions and certificates',
  ['requested', 'certified complete', 'pending', 'by reason'],
  [
    [
      String(r.deletions.requested),
      String(r.deletions.complete),
      String(r.deletions.pending),
      Object.entries(r.deletions.byReason)
        .map(([k, n]) => `${k}: ${n}`)
        .join(', '),
    ],
  ],
)}
${table(
  'Failed jobs (now)',
  ['kind', 'count', 'last error'],
  r.failedJobs.map((j) => [j.kind, String(j.count), j.lastError]),
)}
${table(
  'Access log by user',
  ['user', 'role', 'accesses', 'actions'],
  r.accessByUser.map((u) => [
    u.user,
    u.role,
    String(u.accesses),
    Object.entries(u.actions)
      .map(([k, n]) => `${k}: ${n}`)
      .join(', '),
  ]),
)}
${table(
  'Notice versions approved',
  ['version', 'approved by', 'at'],
  r.noticesApproved.map((n) => [n.id.slice(0, 12), n.by, n.at]),
)}
${table(
  'Key rotations',
  ['at', 'active key'],
  r.keyRotations.map((k) => [k.at, k.active]),
)}`;
}
