import type { Db } from './database';
import type { JobRow } from './rows';

/**
 * The outbox's SQL: claims, leases and outcomes. Each statement is one atomic step, so any number
 * of workers in any number of processes share the table: a job is claimed by exactly one of them,
 * and only the holder of a claim can finish it.
 */

/** Kinds that delete personal data somewhere else: retried without limit, and watched in /healthz. */
export const DELETION_KINDS = ['delete_clip', 'delete_recording'] as const;
/** A deletion still not done this long after it was queued is overdue. */
export const DELETION_OVERDUE_MS = 15 * 60_000;
/** A deletion that failed this many times in a row is failing (it keeps being retried). */
export const DELETION_FAILING_ATTEMPTS = 3;

const DELETIONS_SQL = DELETION_KINDS.map((k) => `'${k}'`).join(', ');

/**
 * Takes the next due job: a pending one whose time has come, or a running one whose lease lapsed
 * (its worker died). One UPDATE ... RETURNING, so two workers can never take the same job: SQLite
 * runs it under its write lock; on PostgreSQL the row is locked as it is chosen (FOR UPDATE SKIP
 * LOCKED: a claimer passes over a job another one is taking, and rechecks that it is still due).
 */
export function claimJob(
  db: Db,
  p: { now: number; leaseMs: number; owner: string; kinds?: readonly string[] },
): JobRow | undefined {
  const kinds = p.kinds && p.kinds.length > 0 ? p.kinds : null;
  const kindFilter = kinds ? `AND kind IN (${kinds.map(() => '?').join(', ')})` : '';
  const sql = `UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = ?, lease_owner = ?, updated_at = ?
    WHERE id = (
      SELECT id FROM jobs
      WHERE ((status = 'pending' AND run_at <= ?) OR (status = 'running' AND COALESCE(lease_until, 0) < ?)) ${kindFilter}
      ORDER BY run_at, id LIMIT 1${db.engine === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : ''})
    RETURNING *`;
  return db
    .prepare(sql)
    .get(p.now + p.leaseMs, p.owner, new Date(p.now).toISOString(), p.now, p.now, ...(kinds ?? [])) as
    JobRow | undefined;
}

/** True while the claim still holds the job (its lease did not lapse and nobody took it over). */
export function holdsLease(db: Db, id: number, owner: string): boolean {
  return (
    db
      .prepare("SELECT 1 FROM jobs WHERE id = ? AND lease_owner = ? AND status = 'running'")
      .get(id, owner) !== undefined
  );
}

export function renewLease(db: Db, id: number, owner: string, until: number): boolean {
  return (
    db
      .prepare("UPDATE jobs SET lease_until = ? WHERE id = ? AND lease_owner = ? AND status = 'running'")
      .run(until, id, owner).changes === 1
  );
}

export type JobOutcome =
  | { status: 'done' }
  /** Waiting is not failing: the attempt is given back. */
  | { status: 'waiting'; runAt: number; reason: string }
  | { status: 'retry'; runAt: number; error: string }
  /** Given back untried (the attempt does not count, the last error stays). */
  | { status: 'release' }
  | { status: 'failed'; error: string };

/** Records how the claimed attempt ended; false when the claim was lost meanwhile (nothing written). */
export function settleJob(db: Db, id: number, owner: string, outcome: JobOutcome, at: Date): boolean {
  const iso = at.toISOString();
  const where = "WHERE id = ? AND lease_owner = ? AND status = 'running'";
  const clear = 'lease_until = NULL, lease_owner = NULL';
  let result;
  switch (outcome.status) {
    case 'done':
      result = db
        .prepare(`UPDATE jobs SET status = 'done', last_error = NULL, ${clear}, updated_at = ? ${where}`)
        .run(iso, id, owner);
      break;
    case 'waiting':
      result = db
        .prepare(
          `UPDATE jobs SET status = 'pending', attempts = attempts - 1, run_at = ?, last_error = ?, ${clear}, updated_at = ? ${where}`,
        )
        .run(outcome.runAt, `waiting: ${outcome.reason}`, iso, id, owner);
      break;
    case 'release':
      result = db
        .prepare(
          `UPDATE jobs SET status = 'pending', attempts = attempts - 1, ${clear}, updated_at = ? ${where}`,
        )
        .run(iso, id, owner);
      break;
    case 'retry':
      result = db
        .prepare(
          `UPDATE jobs SET status = 'pending', run_at = ?, last_error = ?, ${clear}, updated_at = ? ${where}`,
        )
        .run(outcome.runAt, outcome.error, iso, id, owner);
      break;
    case 'failed':
      result = db
        .prepare(`UPDATE jobs SET status = 'failed', last_error = ?, ${clear}, updated_at = ? ${where}`)
        .run(outcome.error, iso, id, owner);
      break;
  }
  return result.changes === 1;
}

/** When the next job falls due (a pending run time or a running job's lease), or null when none will. */
export function nextDueAt(db: Db): number | null {
  return db
    .prepare(
      "SELECT MIN(t) FROM (SELECT MIN(run_at) AS t FROM jobs WHERE status = 'pending' UNION ALL SELECT MIN(lease_until) FROM jobs WHERE status = 'running') AS due",
    )
    .pluck()
    .get() as number | null;
}

export interface JobHealth {
  /** `stuck` when a deletion keeps failing, is overdue or was given up: personal data is still out there. */
  status: 'ok' | 'stuck';
  pending: number;
  running: number;
  failed: number;
  deletions: { queued: number; failing: number; overdue: number; failed: number };
}

export function jobHealth(db: Db, now: number): JobHealth {
  const row = db
    .prepare(
      `SELECT
        COALESCE(SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0) AS pending,
        COALESCE(SUM(CASE WHEN status = 'running' THEN 1 ELSE 0 END), 0) AS running,
        COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0) AS failed,
        COALESCE(SUM(CASE WHEN kind IN (${DELETIONS_SQL}) AND status IN ('pending', 'running') THEN 1 ELSE 0 END), 0) AS queued,
        COALESCE(SUM(CASE WHEN kind IN (${DELETIONS_SQL}) AND status IN ('pending', 'running') AND attempts >= ? AND last_error IS NOT NULL AND last_error NOT LIKE 'waiting:%' THEN 1 ELSE 0 END), 0) AS failing,
        COALESCE(SUM(CASE WHEN kind IN (${DELETIONS_SQL}) AND status IN ('pending', 'running') AND created_at < ? THEN 1 ELSE 0 END), 0) AS overdue,
        COALESCE(SUM(CASE WHEN kind IN (${DELETIONS_SQL}) AND status = 'failed' THEN 1 ELSE 0 END), 0) AS deletions_failed
      FROM jobs WHERE status != 'done'`,
    )
    .get(DELETION_FAILING_ATTEMPTS, new Date(now - DELETION_OVERDUE_MS).toISOString()) as Record<
    'pending' | 'running' | 'failed' | 'queued' | 'failing' | 'overdue' | 'deletions_failed',
    number
  >;
  const deletions = {
    queued: row.queued,
    failing: row.failing,
    overdue: row.overdue,
    failed: row.deletions_failed,
  };
  const stuck = deletions.failing > 0 || deletions.overdue > 0 || deletions.failed > 0;
  return {
    status: stuck ? 'stuck' : 'ok',
    pending: row.pending,
    running: row.running,
    failed: row.failed,
    deletions,
  };
}

export type JobListing = Pick<
  JobRow,
  'id' | 'kind' | 'status' | 'attempts' | 'run_at' | 'last_error' | 'created_at' | 'lease_until'
>;

/** What `consent jobs` shows: everything not done (or everything). */
export function listJobs(db: Db, all: boolean): JobListing[] {
  return db
    .prepare(
      `SELECT id, kind, status, attempts, run_at, last_error, created_at, lease_until FROM jobs ${all ? '' : "WHERE status != 'done'"} ORDER BY id`,
    )
    .all() as JobListing[];
}
