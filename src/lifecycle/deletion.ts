import crypto from 'node:crypto';
import type { Ledger } from '../ledger';

export type DeletionReason = 'withdrawn' | 'expired' | 'erased';

export interface DeletionItemRow {
  consent_id: string;
  system: 's3' | 'twilio' | 'keyring' | 'ledger' | 'crm';
  object: string;
  action: string;
  result: string | null;
  done_at: string | null;
}

export interface DeletionRow {
  consent_id: string;
  reason: DeletionReason;
  channel: string;
  reference: string;
  requested_at: string;
  completed_at: string | null;
}

export const CERTIFY_JOB = 'certify_deletion';
const CERTIFY_DELAY_MS = 3_000;

/** The reference a caller or staff member is given for a withdrawal: no personal data, easy to read out. */
export function newReference(at: Date): string {
  const day = at.toISOString().slice(0, 10).replace(/-/g, '');
  return `WDR-${day}-${crypto.randomBytes(4).toString('hex').toUpperCase()}`;
}

/**
 * Records, inside the caller's transaction, that a consent's data is to be deleted (or a purpose
 * of it ended), with the items known now, and queues the job that carries out and checks each
 * item. The job also finds items that appear later (a clip uploaded while the caller withdrew).
 */
export function requestDeletion(
  ledger: Ledger,
  r: {
    consentId: string;
    reason: DeletionReason;
    channel: string;
    reference: string;
    at: Date;
    crmWebhookId: string | null;
    /** Only these purposes ended; the consent and its evidence stay for the rest. */
    purposes?: string[];
    /** Erasure: the pseudonym that replaced the caller hash; the destroyed key is an item. */
    erasure?: string | null;
  },
): void {
  const at = r.at.toISOString();
  // A later erasure makes the certificate one of erasure; a later withdrawal adds items to it.
  ledger
    .sql(
      `INSERT INTO deletions (consent_id, reason, channel, reference, requested_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(consent_id) DO UPDATE SET completed_at = NULL,
         reason = CASE WHEN excluded.reason = 'erased' THEN 'erased' ELSE deletions.reason END`,
    )
    .run(r.consentId, r.reason, r.channel, r.reference, at);
  const item = ledger.sql(
    'INSERT INTO deletion_items (consent_id, system, object, action, result, done_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  if (r.purposes)
    for (const p of r.purposes)
      item.run(r.consentId, 'ledger', `purpose ${p}`, 'end processing', 'recorded', at);
  else
    item.run(
      r.consentId,
      'ledger',
      `consent ${r.consentId}`,
      r.reason === 'expired' ? 'expire' : 'withdraw',
      'recorded',
      at,
    );
  if (r.crmWebhookId) item.run(r.consentId, 'crm', r.crmWebhookId, 'notify', null, null);
  if (r.erasure) item.run(r.consentId, 'keyring', `caller key of ${r.erasure}`, 'shred', null, null);
  // A moment later: the deletions queued in the same transaction go first, and a command-line
  // withdrawal returns after those without waiting on Twilio's checks (the service does them).
  ledger.enqueue(
    CERTIFY_JOB,
    { consentId: r.consentId },
    {
      dedupeKey: `${CERTIFY_JOB}:${r.consentId}:${r.at.getTime()}:${crypto.randomBytes(3).toString('hex')}`,
      runAt: r.at.getTime() + CERTIFY_DELAY_MS,
    },
  );
}

export function deletionOf(ledger: Ledger, consentId: string): DeletionRow | undefined {
  return ledger.sql('SELECT * FROM deletions WHERE consent_id = ?').get(consentId) as DeletionRow | undefined;
}

export function deletionItems(ledger: Ledger, consentId: string): DeletionItemRow[] {
  return ledger
    .sql('SELECT * FROM deletion_items WHERE consent_id = ? ORDER BY system, object')
    .all(consentId) as DeletionItemRow[];
}
