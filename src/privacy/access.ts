import type { Purpose } from '../config';
import type { ConsentRow, Ledger } from '../ledger';
import { deletionOf } from '../lifecycle/deletion';

/** One consent as the caller sees it on their access page (Art. 15 GDPR) and in its JSON download. */
export interface AccessConsent {
  consentId: string;
  date: string;
  decision: 'granted' | 'declined';
  status: string;
  purposes: Record<string, boolean>;
  noticeVersion: string;
  notice: string | null;
  locale: string;
  clip: 'stored' | 'pending' | 'deleted' | 'none';
  /** When the clip and the number for it are deleted: the end of the longest retention granted, or the deletion done. */
  plannedDeletion: string | null;
  deletion: { reference: string; requestedAt: string; completedAt: string | null } | null;
}

export interface AccessReport {
  generatedAt: string;
  controller: string;
  consents: AccessConsent[];
}

function clipStatus(ledger: Ledger, c: ConsentRow): AccessConsent['clip'] {
  const clip = ledger.getClip(c.id);
  if (clip) return clip.status;
  if (c.decision !== 'granted') return 'none';
  return c.status === 'active' ? 'pending' : 'deleted';
}

/** Everything kept about one caller, read through their own key; logged in the ledger (without data). */
export function accessReport(
  ledger: Ledger,
  callerHash: string,
  o: { purposes: Purpose[]; controller: string; at: Date },
): AccessReport {
  const rows = ledger
    .sql('SELECT * FROM consents WHERE caller_hash = ? ORDER BY created_at DESC')
    .all(callerHash) as ConsentRow[];
  const retention = new Map(o.purposes.map((p) => [p.id, p.retentionDays]));
  const consents = rows.map((c): AccessConsent => {
    const purposes = JSON.parse(c.purposes) as Record<string, boolean>;
    const deletion = deletionOf(ledger, c.id);
    const days = Math.max(
      0,
      ...Object.entries(purposes)
        .filter(([, v]) => v)
        .map(([k]) => retention.get(k) ?? 0),
    );
    const planned =
      c.status === 'active' && days > 0
        ? new Date(Date.parse(c.created_at) + days * 86_400_000).toISOString()
        : (deletion?.completed_at ?? deletion?.requested_at ?? null);
    return {
      consentId: c.id,
      date: c.created_at,
      decision: c.decision,
      status: c.status,
      purposes,
      noticeVersion: c.notice_id,
      notice: ledger.getNotice(c.notice_id)?.content ?? null,
      locale: c.locale,
      clip: clipStatus(ledger, c),
      plannedDeletion: planned,
      deletion: deletion
        ? {
            reference: deletion.reference,
            requestedAt: deletion.requested_at,
            completedAt: deletion.completed_at,
          }
        : null,
    };
  });
  ledger.append([
    {
      type: 'subject_access',
      at: o.at,
      data: { channel: 'web', consents: consents.map((c) => c.consentId) },
    },
  ]);
  return { generatedAt: o.at.toISOString(), controller: o.controller, consents };
}
