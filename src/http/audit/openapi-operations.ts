import type { Permission } from '../../audit/roles';
import { ADMIN_OPERATIONS } from './openapi-admin-ops';

/**
 * Every route of the portal's JSON API, as data: the OpenAPI document is built from this list
 * (openapi.ts), and a test walks the real router and fails on a route missing here. A new API
 * route is one entry here, with an example of its answer.
 */
export interface ApiOperation {
  method: 'get' | 'post';
  /** As Express writes it, without /api: `/consents/:id`. */
  path: string;
  summary: string;
  /** The permission the route checks; null: any signed-in role. */
  permission: Permission | null;
  /** Personal data: the reason travels in X-Audit-Reason. */
  needsReason?: boolean;
  query?: Record<string, { description: string; example: string }>;
  body?: { schema: JsonSchema; example: Record<string, unknown> };
  /** The answer on success: JSON against a schema (components/schemas), or a file of a media type. */
  ok: { status: number; schema: string; example: unknown } | { status: number; media: string };
  /** Other answers the route gives (401 and 403 every route gives). */
  errors?: number[];
}

export type JsonSchema = Record<string, unknown>;

const CONSENT = 'CNS-20261201-0123456789AB';
const CALL = 'CA0123456789abcdef0123456789abcdef';

/** The routes over consents, calls and their audio, then everything else (openapi-admin-ops.ts). */
export const API_OPERATIONS: ApiOperation[] = [
  {
    method: 'get',
    path: '/',
    summary: 'Who is asking, the export public key, and (for auditors) recent account changes',
    permission: null,
    ok: {
      status: 200,
      schema: 'Home',
      example: {
        user: 'auditor@example.com',
        role: 'auditor',
        publicKeyPem: '-----BEGIN PUBLIC KEY-----\n…',
      },
    },
  },
  {
    method: 'get',
    path: '/public-key',
    summary: 'The public key that verifies evidence exports (PEM)',
    permission: null,
    ok: { status: 200, media: 'application/x-pem-file' },
  },
  {
    method: 'get',
    path: '/consents',
    summary: 'Search consents by number, consent ID, CallSid, dates, outcome, purpose or language',
    permission: 'searchConsents',
    needsReason: true,
    query: {
      number: { description: 'caller number as typed (national formats too)', example: '030 555111222' },
      consentId: { description: 'consent ID', example: CONSENT },
    },
    ok: {
      status: 200,
      schema: 'SearchResult',
      example: { rows: [{ id: CONSENT }], total: 1, page: 1, pages: 1 },
    },
    errors: [400, 428],
  },
  {
    method: 'get',
    path: '/calls',
    summary: 'Search every call, with or without a consent',
    permission: 'searchConsents',
    needsReason: true,
    query: { callSid: { description: 'CallSid', example: CALL } },
    ok: {
      status: 200,
      schema: 'SearchResult',
      example: { rows: [{ callSid: CALL }], total: 1, page: 1, pages: 1 },
    },
    errors: [400, 428],
  },
  {
    method: 'get',
    path: '/consents/:id',
    summary: 'One consent: the decision, notice heard, timeline, clip hashes, chain verdict',
    permission: 'readConsent',
    needsReason: true,
    ok: {
      status: 200,
      schema: 'ConsentDetail',
      example: {
        consent: { id: CONSENT, decision: 'granted', status: 'active' },
        timeline: [],
        history: [],
        chain: { ok: true },
      },
    },
    errors: [404, 428],
  },
  {
    method: 'get',
    path: '/calls/:sid',
    summary: 'One call: its events, notices heard, consents and handover',
    permission: 'readConsent',
    needsReason: true,
    ok: {
      status: 200,
      schema: 'CallDetail',
      example: { call: { call_sid: CALL, outcome: 'no_answer' }, consents: [], events: [] },
    },
    errors: [404, 428],
  },
  {
    method: 'get',
    path: '/consents/:id/clip',
    summary: 'The decrypted consent recording (range requests; logged as play or download)',
    permission: 'playClip',
    needsReason: true,
    ok: { status: 200, media: 'audio/mpeg' },
    errors: [404, 428],
  },
  {
    method: 'get',
    path: '/consents/:id/export',
    summary: 'The evidence ZIP of one consent (check it at /audit/verify)',
    permission: 'exportEvidence',
    needsReason: true,
    ok: { status: 200, media: 'application/zip' },
    errors: [404, 428],
  },
  {
    method: 'post',
    path: '/consents/:id/approval',
    summary: 'Ask a second auditor to approve hearing the clip for the stated reason (four-eyes)',
    permission: 'playClip',
    needsReason: true,
    ok: { status: 202, schema: 'Status', example: { status: 'pending' } },
    errors: [404, 428],
  },
  {
    method: 'get',
    path: '/approvals',
    summary: 'Requests awaiting this auditor, and their own requests with what became of them',
    permission: 'approve',
    ok: {
      status: 200,
      schema: 'Approvals',
      example: {
        pending: [
          {
            id: 3,
            consent_id: CONSENT,
            reason: 'Ticket 7',
            email: 'a@example.com',
            created_at: '2026-12-01T10:00:00.000Z',
          },
        ],
        mine: [],
      },
    },
  },
  {
    method: 'post',
    path: '/approvals/:id/approve',
    summary: "Approve another auditor's request",
    permission: 'approve',
    ok: { status: 200, schema: 'Status', example: { status: 'approved' } },
    errors: [404],
  },
  {
    method: 'post',
    path: '/approvals/:id/reject',
    summary: "Reject another auditor's request, saying why",
    permission: 'approve',
    body: {
      schema: {
        type: 'object',
        required: ['reason'],
        properties: { reason: { type: 'string', minLength: 5, maxLength: 500 } },
      },
      example: { reason: 'The ticket does not name this call' },
    },
    ok: { status: 200, schema: 'Status', example: { status: 'rejected' } },
    errors: [400, 404],
  },
  ...ADMIN_OPERATIONS,
];
