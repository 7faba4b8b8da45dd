import type { Ledger } from '../ledger';

/** An approval is good for a day after it was given, and for one access. */
export const APPROVAL_TTL_MS = 24 * 60 * 60_000;
/**
 * Playing is one access made of several range requests (the player seeks): they may follow the
 * first for this long from the same session or token, and no longer.
 */
export const PLAY_WINDOW_MS = 10 * 60_000;

export type ApprovalUse = 'play' | 'download' | 'export' | 'cli';

export interface PendingApproval {
  id: number;
  consent_id: string;
  reason: string;
  email: string;
  created_at: string;
}

/** One request as its requester sees it: waiting, approved (until when), rejected (and why), used. */
export interface OwnRequest {
  id: number;
  consent_id: string;
  reason: string;
  status: 'pending' | 'approved' | 'rejected' | 'used';
  created_at: string;
  decided_at: string | null;
  decided_by: string | null;
  decision_note: string | null;
  expires_at: number | null;
}

/** The four-eyes rule: an auditor asks to hear a clip for a reason; another approves it once, or rejects it. */
export class Approvals {
  constructor(
    private readonly ledger: Ledger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get t(): number {
    return this.now().getTime();
  }

  pending(consentId: string, requesterId: number, reason: string | null): boolean {
    return Boolean(
      this.ledger
        .sql(
          "SELECT 1 FROM approvals WHERE consent_id = ? AND requester_id = ? AND reason = ? AND status = 'pending'",
        )
        .get(consentId, requesterId, reason ?? ''),
    );
  }

  request(consentId: string, requesterId: number, reason: string): void {
    if (this.pending(consentId, requesterId, reason)) return;
    this.ledger
      .sql('INSERT INTO approvals (consent_id, requester_id, reason, created_at) VALUES (?, ?, ?, ?)')
      .run(consentId, requesterId, reason, this.now().toISOString());
  }

  /** Requests another auditor may approve: never their own. */
  pendingFor(approverId: number): PendingApproval[] {
    return this.ledger
      .sql(
        "SELECT a.id, a.consent_id, a.reason, a.created_at, u.email FROM approvals a JOIN users u ON u.id = a.requester_id WHERE a.status = 'pending' AND a.requester_id != ? ORDER BY a.id",
      )
      .all(approverId) as PendingApproval[];
  }

  approve(id: number, approverId: number): boolean {
    return (
      this.ledger
        .sql(
          "UPDATE approvals SET status = 'approved', approver_id = ?, decided_at = ?, expires_at = ? WHERE id = ? AND status = 'pending' AND requester_id != ?",
        )
        .run(approverId, this.now().toISOString(), this.t + APPROVAL_TTL_MS, id, approverId).changes === 1
    );
  }

  /** Rejecting needs a reason the requester will read; like approving, never one's own request. */
  reject(id: number, approverId: number, note: string): boolean {
    return (
      this.ledger
        .sql(
          "UPDATE approvals SET status = 'rejected', approver_id = ?, decided_at = ?, decision_note = ? WHERE id = ? AND status = 'pending' AND requester_id != ?",
        )
        .run(approverId, this.now().toISOString(), note, id, approverId).changes === 1
    );
  }

  /** A requester's own requests, newest first: what is still waiting and what was decided. */
  mine(requesterId: number, consentId?: string): OwnRequest[] {
    return this.ledger
      .sql(
        `SELECT a.id, a.consent_id, a.reason, a.status, a.created_at, a.decided_at, u.email AS decided_by,
                a.decision_note, CASE WHEN a.status = 'approved' THEN a.expires_at ELSE NULL END AS expires_at
         FROM approvals a LEFT JOIN users u ON u.id = a.approver_id
         WHERE a.requester_id = @requesterId AND (CAST(@consentId AS TEXT) IS NULL OR a.consent_id = @consentId)
         ORDER BY a.id DESC LIMIT 50`,
      )
      .all({ requesterId, consentId: consentId ?? null }) as OwnRequest[];
  }

  /** Whether an access would be allowed now (for showing the player), without using anything up. */
  available(consentId: string, requesterId: number, reason: string | null, by: string): boolean {
    return (
      this.playing(consentId, requesterId, reason, by) !== null ||
      Boolean(
        this.ledger
          .sql(
            "SELECT 1 FROM approvals WHERE consent_id = ? AND requester_id = ? AND reason = ? AND status = 'approved' AND expires_at > ?",
          )
          .get(consentId, requesterId, reason ?? '', this.t),
      )
    );
  }

  /**
   * Uses up one approved, unexpired approval for this access and returns its id, or null when
   * there is none. One UPDATE picks and spends it, so two parallel requests cannot share one.
   */
  consume(
    consentId: string,
    requesterId: number,
    reason: string | null,
    by: string,
    use: Exclude<ApprovalUse, 'cli'>,
  ): number | null {
    if (use === 'play') {
      const continuing = this.playing(consentId, requesterId, reason, by);
      if (continuing !== null) return continuing;
    }
    const row = this.ledger
      .sql(
        `UPDATE approvals SET status = 'used', used_at = @now, used_by = @by, used_for = @use
         WHERE id = (SELECT id FROM approvals WHERE consent_id = @consentId AND requester_id = @requesterId
                       AND reason = @reason AND status = 'approved' AND expires_at > @now ORDER BY id LIMIT 1)
           AND status = 'approved'
         RETURNING id`,
      )
      .get({ now: this.t, by, use, consentId, requesterId, reason: reason ?? '' }) as
      { id: number } | undefined;
    return row?.id ?? null;
  }

  /** The command line names the approval it uses: approved, unexpired, unused, for this consent. */
  consumeById(id: number, consentId: string, by: string): { reason: string } | null {
    return (
      (this.ledger
        .sql(
          `UPDATE approvals SET status = 'used', used_at = @now, used_by = @by, used_for = 'cli'
           WHERE id = @id AND consent_id = @consentId AND status = 'approved' AND expires_at > @now
           RETURNING reason`,
        )
        .get({ id, consentId, by, now: this.t }) as { reason: string } | undefined) ?? null
    );
  }

  private playing(consentId: string, requesterId: number, reason: string | null, by: string): number | null {
    const row = this.ledger
      .sql(
        "SELECT id FROM approvals WHERE consent_id = ? AND requester_id = ? AND reason = ? AND status = 'used' AND used_for = 'play' AND used_by = ? AND used_at > ?",
      )
      .get(consentId, requesterId, reason ?? '', by, this.t - PLAY_WINDOW_MS) as { id: number } | undefined;
    return row?.id ?? null;
  }
}
