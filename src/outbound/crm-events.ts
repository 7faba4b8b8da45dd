import crypto from 'node:crypto';
import { openField, sealField } from '../crypto/keyring';
import type { ConsentRow, Ledger } from '../ledger';
import { isSmsNumber } from './sms-address';

/** The event types of the contract (*Events to other systems*). */
export type CrmEventType =
  | 'consent.granted'
  | 'consent.declined'
  | 'consent.withdrawn'
  | 'consent.expired'
  | 'subject.erased'
  | 'consent.handover';

/** How a decision or change reached us; the CRM sees exactly these values. */
export type CrmChannel = 'call' | 'web' | 'email' | 'phone' | 'letter' | 'retention';

/** Which outbound messages this deployment sends; passed as plain data so writer threads know too. */
export interface Outbound {
  crm: boolean;
  receipts: boolean;
  /** The CRM also hears of each handover to a person, with the consent token (`consent.handover`). */
  handovers?: boolean;
}

export const NO_OUTBOUND: Outbound = { crm: false, receipts: false };

export const CRM_JOB = 'crm_event';

/** What the event says, fixed when it happens; the caller number travels sealed. */
export interface CrmEventContent {
  type: CrmEventType;
  at: string;
  consentId: string;
  callSid: string;
  caller: string | null;
  purposes: Record<string, boolean>;
  status: string;
  channel: CrmChannel;
  locale: string;
  notice: string;
  /** The purpose this decision was about, for a decision in a call. */
  purpose?: string;
  /** The withdrawal reference, for withdrawals. */
  reference?: string;
  /** For a handover: the consent token the agent got, where the call went and why. */
  handover?: { consentToken: string; to: string; reason: string };
}

/** The job row's payload: only the id, the type and the consent in clear, for the portal's list. */
export interface CrmJobPayload {
  webhookId: string;
  type: CrmEventType;
  consentId: string;
  sealed: string;
}

/**
 * The outbox key seals what a job carries (the caller number above all). It is a ledger secret,
 * so it is wrapped by the key ring and re-wrapped by `consent keys rotate`. Read every time: a
 * cached copy could outlive the transaction that created it.
 */
function outboxKey(ledger: Ledger): Buffer {
  return ledger.secrets.get('outbox_seal', () => ({ value: crypto.randomBytes(32) })).value;
}

export function sealForOutbox(ledger: Ledger, value: unknown): string {
  return sealField(outboxKey(ledger), JSON.stringify(value));
}

export function openFromOutbox<T>(ledger: Ledger, sealed: string): T {
  return JSON.parse(openField(outboxKey(ledger), sealed)) as T;
}

export function newWebhookId(): string {
  return `msg_${crypto.randomBytes(16).toString('base64url')}`;
}

/**
 * Writes one CRM event to the outbox, inside the caller's transaction: the event exists exactly
 * when the ledger change that causes it does. Returns the webhook id (the certificate names it),
 * or null when no CRM is configured.
 */
export function enqueueCrmEvent(
  ledger: Ledger,
  outbound: Outbound,
  e: {
    type: CrmEventType;
    consent: ConsentRow;
    channel: CrmChannel;
    at: Date;
    purpose?: string;
    reference?: string;
    handover?: CrmEventContent['handover'];
    /** The number when the consent row can no longer give it (erasure shreds the key in the same transaction). */
    caller?: string | null;
    status?: string;
  },
): string | null {
  if (!outbound.crm) return null;
  const webhookId = newWebhookId();
  const content: CrmEventContent = {
    type: e.type,
    at: e.at.toISOString(),
    consentId: e.consent.id,
    callSid: e.consent.call_sid,
    caller: e.caller !== undefined ? e.caller : ledger.openFor(e.consent.caller_hash, e.consent.caller_enc),
    purposes: JSON.parse(e.consent.purposes) as Record<string, boolean>,
    status: e.status ?? e.consent.status,
    channel: e.channel,
    locale: e.consent.locale,
    notice: e.consent.notice_id,
    ...(e.purpose ? { purpose: e.purpose } : {}),
    ...(e.reference ? { reference: e.reference } : {}),
    ...(e.handover ? { handover: e.handover } : {}),
  };
  const payload: CrmJobPayload = {
    webhookId,
    type: e.type,
    consentId: e.consent.id,
    sealed: sealForOutbox(ledger, content),
  };
  ledger.enqueue(CRM_JOB, { ...payload }, { dedupeKey: `crm:${webhookId}` });
  return webhookId;
}

/** The request body, built at delivery time from the sealed content (contract: type, timestamp, data). */
export function crmBody(content: CrmEventContent, webhookId: string): string {
  const data: Record<string, unknown> = {
    eventId: webhookId,
    consentId: content.consentId,
    callSid: content.callSid,
    // E.164 or nothing, as integrators match on it; a SIP or Client caller's address apart.
    caller: isSmsNumber(content.caller) ? content.caller : null,
    ...(content.caller && /^(sip|client):/.test(content.caller) ? { callerAddress: content.caller } : {}),
    purposes: content.purposes,
    status: content.status,
    channel: content.channel,
    locale: content.locale,
    noticeVersion: content.notice,
    occurredAt: content.at,
  };
  if (content.purpose) data.purpose = content.purpose;
  if (content.reference) data.reference = content.reference;
  if (content.handover) {
    data.consentToken = content.handover.consentToken;
    data.handoverTo = content.handover.to;
    data.handoverReason = content.handover.reason;
  }
  return JSON.stringify({ type: content.type, timestamp: content.at, data });
}
