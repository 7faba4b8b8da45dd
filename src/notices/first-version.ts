import { gateOfVersion } from '../audit/notices';
import type { Ledger } from '../ledger';

/**
 * Who approved a version that became live by itself: the first version of a new ledger. Shown as
 * the approver wherever approvals are listed, so no one takes it for a person's sign-off.
 */
export const FIRST_START_APPROVER = 'first start (no sign-off by a person yet)';

/**
 * A new installation has nothing approved. Closing it (every caller straight to a human, nothing
 * said) would make a first production start useless until someone finds the sign-off command, so
 * the texts the installation starts with become live once, recorded as a `notice_approved` event
 * by the first start; every change after that is a draft that needs a person's sign-off.
 * NOTICE_FIRST_VERSION=closed keeps the strict behaviour. Returns whether `id` is now approved.
 */
export function approveFirstVersion(ledger: Ledger, id: string, at: Date): boolean {
  if (gateOfVersion(ledger, id).length > 0) return false;
  return ledger.db
    .transaction(() => {
      // Several instances may start at once: only one approves, and only while none is approved.
      const changed = ledger.db
        .prepare(
          `UPDATE notice_versions SET approved_by = ?, approved_at = ?
         WHERE id = ? AND approved_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM notice_versions WHERE approved_at IS NOT NULL)`,
        )
        .run(FIRST_START_APPROVER, at.toISOString(), id).changes;
      if (changed === 1)
        ledger.append([
          {
            type: 'notice_approved',
            at,
            data: { version: id, contentSha256: id, by: FIRST_START_APPROVER, role: 'first_start' },
          },
        ]);
      const row = ledger.db.prepare('SELECT approved_at FROM notice_versions WHERE id = ?').get(id) as
        { approved_at: string | null } | undefined;
      return Boolean(row?.approved_at);
    })
    .immediate();
}
