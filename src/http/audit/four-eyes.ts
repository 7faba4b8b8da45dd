import type { PortalKit } from './kit';

/** With AUDIT_FOUR_EYES on, audio is released only on a second auditor's approval of this request. */
export const fourEyesOk = (
  kit: PortalKit,
  userId: number,
  consentId: string,
  reason: string | null,
): boolean =>
  !kit.config.auditFourEyes ||
  Boolean(
    kit.ledger
      .sql(
        "SELECT 1 FROM approvals WHERE consent_id = ? AND requester_id = ? AND reason = ? AND status = 'approved'",
      )
      .get(consentId, userId, reason ?? ''),
  );

export const approvalPending = (
  kit: PortalKit,
  userId: number,
  consentId: string,
  reason: string | null,
): boolean =>
  Boolean(
    kit.ledger
      .sql(
        "SELECT 1 FROM approvals WHERE consent_id = ? AND requester_id = ? AND reason = ? AND status = 'pending'",
      )
      .get(consentId, userId, reason ?? ''),
  );
