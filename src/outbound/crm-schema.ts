import { z } from 'zod';

/**
 * The CRM event body, as a schema: the integrators' JSON Schema (docs/crm-events.schema.json) is
 * generated from it, and a test checks that the file and real deliveries match it.
 */
export const crmEventSchema = z
  .object({
    type: z
      .enum([
        'consent.granted',
        'consent.declined',
        'consent.withdrawn',
        'consent.expired',
        'subject.erased',
        'consent.handover',
      ])
      .describe(
        'what happened (consent.handover: a person takes the call; only where the operator file sets crmHandoverEvents)',
      ),
    timestamp: z.iso.datetime().describe('when it happened (ISO 8601, UTC); the same on every retry'),
    data: z
      .object({
        eventId: z.string().describe('equals the webhook-id header: the key to deduplicate on'),
        consentId: z.string().describe('the consent record (CNS-YYYYMMDD-...)'),
        callSid: z.string().describe('the Twilio call in which the consent was asked'),
        caller: z
          .string()
          .regex(/^\+[1-9]\d{1,14}$/)
          .nullable()
          .describe(
            'caller number in E.164; null when the caller has none (a SIP or Twilio Client caller, a withheld number) or it cannot be read any more (after an erasure)',
          ),
        callerAddress: z
          .string()
          .regex(/^(sip|client):/)
          .optional()
          .describe('a caller without a phone number: their SIP or Twilio Client address (sip:…, client:…)'),
        purposes: z
          .record(z.string(), z.boolean())
          .describe('purpose id -> granted, after this change; withdrawn purposes are false'),
        status: z
          .enum(['active', 'declined', 'withdrawn', 'expired', 'erased'])
          .describe('the consent as a whole after this change'),
        channel: z
          .enum(['call', 'web', 'email', 'phone', 'letter', 'retention'])
          .describe('how the decision or change reached us'),
        locale: z.string().describe('language of the call'),
        noticeVersion: z.string().describe('SHA-256 of the exact notice the caller heard'),
        occurredAt: z.iso.datetime(),
        purpose: z.string().optional().describe('for decisions in a call: the purpose just answered'),
        reference: z.string().optional().describe('for withdrawals and erasures: the withdrawal reference'),
        consentToken: z
          .string()
          .optional()
          .describe(
            'for consent.handover: the signed consent token (compact JWS, EdDSA) the agent was given',
          ),
        handoverTo: z.enum(['human']).optional().describe('for consent.handover: who takes the call'),
        handoverReason: z.string().optional().describe('for consent.handover: why the call was handed over'),
      })
      .loose(),
  })
  .describe('A consent event of the consent gateway, POSTed as a Standard Webhooks request');

export type CrmEventBody = z.infer<typeof crmEventSchema>;

export function crmJsonSchema(): Record<string, unknown> {
  return {
    title: 'Consent gateway CRM event',
    ...z.toJSONSchema(crmEventSchema),
  };
}
