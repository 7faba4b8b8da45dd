import { jobHealth, listJobs } from '../ledger/jobs-repo';
import type { Runtime } from '../runtime';

type Io = { out: (s: string) => void };

/**
 * `consent jobs`: background work not done yet (or all of it), each with its last error, and first
 * a line on deletions, which are retried without limit: how many are queued, failing or overdue.
 * `--json` prints the rows alone, as before.
 */
export function jobsCommand(rt: Runtime, io: Io, options: { all?: boolean; json?: boolean }): number {
  const rows = listJobs(rt.ledger.db, Boolean(options.all));
  if (options.json) {
    io.out(`${JSON.stringify(rows)}\n`);
    return 0;
  }
  const { deletions, status } = jobHealth(rt.ledger.db, Date.now());
  io.out(
    `deletions ${status === 'ok' ? 'ok' : 'STUCK'}: ${deletions.queued} queued, ${deletions.failing} failing, ${deletions.overdue} overdue, ${deletions.failed} given up\n`,
  );
  if (rows.length === 0) io.out('no pending or failed jobs\n');
  for (const r of rows)
    io.out(
      `#${r.id} ${r.kind} ${r.status} attempts=${r.attempts} next=${new Date(r.run_at).toISOString()}` +
        `${r.status === 'running' && r.lease_until ? ` leased until ${new Date(r.lease_until).toISOString()}` : ''}` +
        `${r.last_error ? ` last error: ${r.last_error}` : ''}\n`,
    );
  return 0;
}
