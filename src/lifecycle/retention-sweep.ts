import type { ConsentRow, Ledger } from '../ledger';
import type { Outbound } from '../outbound/crm-events';
import { endedOf, endPurposes, expireConsent } from './expire';
import { consentExpiresAt, retentionVerdict, type RetentionPurpose } from './retention';

export interface RetentionOutcome {
  /** Consents that expired (no granted purpose left), in the order they were given. */
  expired: string[];
  /** Consents that lost some purposes and go on with the rest. */
  purposesEnded: Array<{ consentId: string; purposes: string[] }>;
  /** Of the expired consents, those with a stored clip: the clips to delete. */
  clipsToDelete: string[];
}

type Row = Pick<ConsentRow, 'id' | 'created_at' | 'purposes' | 'purposes_ended'>;

function activeConsents(ledger: Ledger): Row[] {
  return ledger
    .sql(
      "SELECT id, created_at, purposes, purposes_ended FROM consents WHERE status = 'active' AND decision = 'granted' ORDER BY created_at, id",
    )
    .all() as Row[];
}

const forRule = (row: Row) => ({
  id: row.id,
  createdAt: new Date(row.created_at),
  purposes: JSON.parse(row.purposes) as Record<string, boolean>,
  ended: endedOf(row),
});

/**
 * Applies the retention schedule at `now` (or, with dryRun, only says what it would do). Each
 * consent is its own transaction, and every write is guarded by the consent still being active,
 * so several processes applying it at once expire each consent once.
 */
export function applyRetention(
  ledger: Ledger,
  schedule: readonly RetentionPurpose[],
  now: Date,
  options: { dryRun?: boolean; outbound?: Outbound } = {},
): RetentionOutcome {
  const outcome: RetentionOutcome = { expired: [], purposesEnded: [], clipsToDelete: [] };
  for (const row of activeConsents(ledger)) {
    const verdict = retentionVerdict(forRule(row), schedule, now);
    if (!verdict) continue;
    if (verdict.expires) {
      const stored = ledger.getClip(row.id)?.status === 'stored';
      if (
        !options.dryRun &&
        !expireConsent(ledger, row.id, { at: now, purposes: verdict.ending, outbound: options.outbound })
      )
        continue;
      outcome.expired.push(row.id);
      if (stored) outcome.clipsToDelete.push(row.id);
    } else {
      if (
        !options.dryRun &&
        !endPurposes(ledger, row.id, { at: now, purposes: verdict.ending, outbound: options.outbound })
      )
        continue;
      outcome.purposesEnded.push({ consentId: row.id, purposes: verdict.ending });
    }
  }
  return outcome;
}

/** Active consents that will expire before `until`, soonest first: for the portal's look-ahead. */
export function expiringBefore(
  ledger: Ledger,
  schedule: readonly RetentionPurpose[],
  until: Date,
): Array<{ consentId: string; createdAt: string; expiresAt: Date }> {
  return activeConsents(ledger)
    .map((row) => ({
      consentId: row.id,
      createdAt: row.created_at,
      expiresAt: consentExpiresAt(forRule(row), schedule),
    }))
    .filter((c) => c.expiresAt.getTime() < until.getTime())
    .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime());
}
