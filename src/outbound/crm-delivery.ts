import { Webhook } from 'standardwebhooks';
import { writeThroughOutage } from '../jobs/outage-retry';
import type { JobHandler } from '../jobs/queue';
import { PermanentJobError, RetryJobError } from '../jobs/queue';
import type { JobRow, Ledger } from '../ledger';
import {
  CRM_JOB,
  crmBody,
  openFromOutbox,
  sealForOutbox,
  type CrmEventContent,
  type CrmJobPayload,
} from './crm-events';

/** No 2xx within this long is a failed attempt (contract). */
export const CRM_TIMEOUT_MS = 10_000;
/** Retries stop (the delivery ends `failed`, an admin can replay it) only after this long. */
export const CRM_GIVE_UP_MS = 72 * 3600_000;

/**
 * When to try again after `failures` failed attempts: three quick retries inside the first two
 * minutes (a CRM restarting), then doubling from five minutes up to six hours, until three days
 * have passed since the event: well beyond the 24 hours the contract asks for.
 */
export function crmRetryDelayMs(failures: number): number {
  const quick = [10_000, 30_000, 60_000];
  if (failures <= quick.length) return quick[failures - 1] ?? 10_000;
  return Math.min(6 * 3600_000, 5 * 60_000 * 2 ** (failures - quick.length - 1));
}

export interface CrmDeliveryDeps {
  ledger: Ledger;
  crm: { url: string; secret: string } | null;
  clock?: () => Date;
  timeoutMs?: number;
}

/**
 * Delivers one outbox entry as a Standard Webhooks request. The body is built now from the sealed
 * content; the `webhook-id` is the one fixed when the event happened, the timestamp is this
 * attempt's. After a 2xx the caller number is dropped from the job and the acknowledgement is a
 * ledger event, so the job is done and never sent again.
 */
export function createCrmDelivery(d: CrmDeliveryDeps): JobHandler {
  const now = (): Date => (d.clock ? d.clock() : new Date());
  const webhook = d.crm ? new Webhook(d.crm.secret) : null;
  return async (raw, job) => {
    const payload = raw as unknown as CrmJobPayload;
    if (!payload.webhookId || !payload.sealed) throw new PermanentJobError('malformed CRM job');
    if (!d.crm || !webhook)
      // Written while a CRM was configured: keep it until one is again, rather than drop it.
      throw new RetryJobError('CRM_WEBHOOK_URL is not set', 3600_000, giveUp(job, now()));
    const content = openFromOutbox<CrmEventContent>(d.ledger, payload.sealed);
    const body = crmBody(content, payload.webhookId);
    const at = now();
    let status: number;
    try {
      const res = await fetch(d.crm.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'consent-gateway',
          'webhook-id': payload.webhookId,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': webhook.sign(payload.webhookId, at, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(d.timeoutMs ?? CRM_TIMEOUT_MS),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (error) {
      const reason = (error as Error).name === 'TimeoutError' ? 'no answer within 10 s' : errorText(error);
      throw new RetryJobError(reason, crmRetryDelayMs(job.attempts), giveUp(job, now()));
    }
    if (status < 200 || status > 299)
      throw new RetryJobError(`HTTP ${status}`, crmRetryDelayMs(job.attempts), giveUp(job, now()));
    // The CRM has it: a ledger gone for a moment must not make this a failed attempt, sent again.
    await writeThroughOutage(async () => acknowledged(d.ledger, job, payload, content, status, now()));
  };
}

function giveUp(job: JobRow, at: Date): boolean {
  return at.getTime() - Date.parse(job.created_at) > CRM_GIVE_UP_MS;
}

function errorText(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  return (e.cause?.code ?? e.cause?.message ?? e.message ?? String(error)).slice(0, 200);
}

/** One transaction: the number leaves the outbox, the ledger records the CRM's answer, the certificate item is done. */
function acknowledged(
  ledger: Ledger,
  job: JobRow,
  payload: CrmJobPayload,
  content: CrmEventContent,
  status: number,
  at: Date,
): void {
  ledger.transaction(() => {
    const scrubbed: CrmJobPayload = {
      ...payload,
      sealed: sealForOutbox(ledger, { ...content, caller: null }),
    };
    ledger.sql('UPDATE jobs SET payload = ? WHERE id = ?').run(JSON.stringify(scrubbed), job.id);
    ledger.append([
      {
        type: 'crm_delivered',
        callSid: content.callSid,
        consentId: content.consentId,
        at,
        data: {
          webhookId: payload.webhookId,
          event: content.type,
          httpStatus: status,
          attempts: job.attempts,
        },
      },
    ]);
    ledger
      .sql(
        "UPDATE deletion_items SET result = ?, done_at = ? WHERE system = 'crm' AND object = ? AND result IS NULL",
      )
      .run(`acknowledged (HTTP ${status})`, at.toISOString(), payload.webhookId);
  });
}

/**
 * An admin's replay: the same event (same webhook id, so a receiver that kept it can tell) queued
 * again. The caller number is read again from the consent; after an erasure it is gone for good.
 */
export function replayCrmDelivery(ledger: Ledger, jobId: number, at: Date): boolean {
  return ledger.transaction(() => {
    const job = ledger.sql('SELECT * FROM jobs WHERE id = ? AND kind = ?').get(jobId, CRM_JOB) as
      JobRow | undefined;
    if (!job || job.status === 'running' || job.status === 'pending') return false;
    const payload = JSON.parse(job.payload) as CrmJobPayload;
    const content = openFromOutbox<CrmEventContent>(ledger, payload.sealed);
    const consent = ledger.getConsent(content.consentId);
    const caller =
      content.caller ?? (consent ? ledger.openFor(consent.caller_hash, consent.caller_enc) : null);
    const sealed = sealForOutbox(ledger, { ...content, caller });
    ledger
      .sql(
        "UPDATE jobs SET status = 'pending', attempts = 0, run_at = ?, last_error = NULL, payload = ?, created_at = ?, updated_at = ? WHERE id = ?",
      )
      .run(at.getTime(), JSON.stringify({ ...payload, sealed }), at.toISOString(), at.toISOString(), jobId);
    ledger.append([
      {
        type: 'crm_replayed',
        consentId: content.consentId,
        at,
        data: { webhookId: payload.webhookId, event: content.type },
      },
    ]);
    return true;
  });
}
