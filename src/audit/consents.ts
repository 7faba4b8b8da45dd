import { z } from 'zod';
import type { CallRow, ClipRow, ConsentRow, Ledger } from '../ledger';
import { eventHash, type ChainedRow } from '../ledger/chain';
import { proveConsent } from '../ledger/consent-proof';
import { OUTCOME_FILTERS, type SearchCountries } from './outcomes';
import { type SearchColumns, searchWhere } from './search-where';

export const searchSchema = z.object({
  number: z.string().trim().max(40).optional(),
  consentId: z.string().trim().max(64).optional(),
  callSid: z.string().trim().max(64).optional(),
  from: z.iso.date().optional().or(z.literal('')),
  to: z.iso.date().optional().or(z.literal('')),
  status: z.enum(['active', 'declined', 'withdrawn', 'expired', '']).optional(),
  /** What became of the call: every outcome in the contract, and under-age or handed to a person. */
  outcome: z.enum([...OUTCOME_FILTERS, '']).optional(),
  purpose: z
    .string()
    .regex(/^([a-z][a-z0-9_]*)?$/)
    .optional(),
  language: z
    .string()
    .regex(/^([a-z]{2,3})?$/)
    .optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
});
export type SearchQuery = z.infer<typeof searchSchema>;

export const PAGE_SIZE = 20;

export interface ConsentSummary {
  id: string;
  createdAt: string;
  callSid: string;
  language: string;
  method: string;
  decision: string;
  status: string;
  purposes: Record<string, boolean>;
  caller: string | null;
}

export function parsePurposes(json: string): Record<string, boolean> {
  const parsed: unknown = JSON.parse(json);
  const out: Record<string, boolean> = {};
  if (parsed && typeof parsed === 'object') for (const [k, v] of Object.entries(parsed)) out[k] = v === true;
  return out;
}

/** True when the query names at least one criterion: an empty search would list everybody. */
export function hasCriteria(q: SearchQuery): boolean {
  return Boolean(
    q.number ||
    q.consentId ||
    q.callSid ||
    q.from ||
    q.to ||
    q.status ||
    q.purpose ||
    q.language ||
    q.outcome,
  );
}

/** A consent as the search lists it and its page heads it; opens the caller's number. */
function consentSummary(ledger: Ledger, c: ConsentRow): ConsentSummary {
  return {
    id: c.id,
    createdAt: c.created_at,
    callSid: c.call_sid,
    language: c.locale,
    method: c.method,
    decision: c.decision,
    status: c.status,
    purposes: parsePurposes(c.purposes),
    caller: ledger.openFor(c.caller_hash, c.caller_enc),
  };
}

/** The search criteria over the consents list (see search-where). */
const CONSENT_COLUMNS: SearchColumns = {
  caller: {
    hash: 'caller_hash',
    called: '(SELECT called FROM calls WHERE calls.call_sid = consents.call_sid)',
  },
  consentId: 'id = @id',
  callSid: 'call_sid',
  createdAt: 'created_at',
  status: 'status = @status',
  purpose: "CAST(json_extract(purposes, '$.' || @purpose) AS INTEGER) = 1",
  locale: 'locale',
  outcomeCallSid: 'consents.call_sid',
};

export function searchConsents(
  ledger: Ledger,
  q: SearchQuery,
  countries: SearchCountries = { defaultCountry: 'DE', others: [] },
): { rows: ConsentSummary[]; total: number; page: number; pages: number } {
  const { clause, params } = searchWhere(ledger, q, countries, CONSENT_COLUMNS);
  const total = ledger.db.prepare(`SELECT COUNT(*) FROM consents ${clause}`).pluck().get(params) as number;
  const rows = ledger.db
    .prepare(`SELECT * FROM consents ${clause} ORDER BY created_at DESC, id LIMIT @limit OFFSET @offset`)
    .all({ ...params, limit: PAGE_SIZE, offset: (q.page - 1) * PAGE_SIZE }) as ConsentRow[];
  return {
    rows: rows.map((c) => consentSummary(ledger, c)),
    total,
    page: q.page,
    pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
  };
}

export interface ConsentDetail {
  consent: ConsentSummary & {
    confidence: number | null;
    input: string | null;
    withdrawnAt: string | null;
    noticeId: string;
  };
  call: Pick<CallRow, 'call_sid' | 'created_at' | 'ended_at' | 'outcome' | 'routed_to' | 'country'> | null;
  notice: { id: string; locale: string; kind: string; content: string; createdAt: string } | null;
  timeline: Array<{ seq: number; at: string; type: string; data: Record<string, unknown>; hash: string }>;
  /** The same caller's other consents, handovers and withdrawals, newest first. */
  history: Array<{ at: string; type: string; consentId: string | null; callSid: string | null }>;
  clip:
    | (Pick<
        ClipRow,
        'status' | 'format' | 'duration_sec' | 'plain_sha256' | 'cipher_sha256' | 'stored_at'
      > & {
        /** The same two hashes by what they are of, as `consent call --json` names them. */
        storedCiphertextSha256: string | null;
        audioFileSha256: string | null;
      })
    | null;
  chain: { ok: boolean; checked: number; detail: string; callEventsLinked: boolean };
}

/** Recomputes each event's hash from its own content and stated predecessor. */
export function eventsIntact(rows: ChainedRow[]): boolean {
  return rows.every((r) => eventHash(r.prev_hash, r) === r.hash);
}

export function consentDetail(ledger: Ledger, id: string): ConsentDetail | null {
  const c = ledger.getConsent(id);
  if (!c) return null;
  const call = ledger.getCall(c.call_sid) ?? null;
  const notice = ledger.getNotice(c.notice_id);
  const events = ledger.eventsForCall(c.call_sid);
  // A proof per entry against the latest checkpoint, never a walk over the whole log.
  const proof = proveConsent(ledger, id);
  const history: ConsentDetail['history'] = [];
  if (c.caller_hash) {
    const sids = ledger.db
      .prepare('SELECT call_sid FROM calls WHERE caller_hash = ?')
      .pluck()
      .all(c.caller_hash) as string[];
    for (const sid of sids) {
      for (const e of ledger.eventsForCall(sid))
        if (['granted', 'declined', 'withdrawn', 'handover'].includes(e.type))
          history.push({ at: e.at, type: e.type, consentId: e.consent_id, callSid: e.call_sid });
    }
    history.sort((a, b) => b.at.localeCompare(a.at));
  }
  const clip = ledger.getClip(id);
  return {
    consent: {
      ...consentSummary(ledger, c),
      confidence: c.confidence,
      input: ledger.openFor(c.caller_hash, c.input_enc),
      withdrawnAt: c.withdrawn_at,
      noticeId: c.notice_id,
    },
    call: call
      ? {
          call_sid: call.call_sid,
          created_at: call.created_at,
          ended_at: call.ended_at,
          outcome: call.outcome,
          routed_to: call.routed_to,
          country: call.country,
        }
      : null,
    notice: notice
      ? {
          id: notice.id,
          locale: notice.locale,
          kind: notice.kind,
          content: notice.content,
          createdAt: notice.created_at,
        }
      : null,
    timeline: events.map((e) => ({
      seq: e.seq,
      at: e.at,
      type: e.type,
      data: JSON.parse(e.data) as Record<string, unknown>,
      hash: e.hash,
    })),
    history,
    clip: clip
      ? {
          status: clip.status,
          format: clip.format,
          duration_sec: clip.duration_sec,
          plain_sha256: clip.plain_sha256,
          cipher_sha256: clip.cipher_sha256,
          stored_at: clip.stored_at,
          storedCiphertextSha256: clip.cipher_sha256,
          audioFileSha256: clip.plain_sha256,
        }
      : null,
    chain: {
      ok: proof?.ok ?? false,
      checked: proof?.entries.length ?? 0,
      detail: !proof
        ? 'no proof'
        : proof.ok
          ? `${proof.entries.length} entries proven included in checkpoint ${proof.checkpoint?.size ?? '-'} (signed ${proof.checkpoint?.signed_at ?? '-'})${proof.pending.length ? `; ${proof.pending.length} newer, covered by the next checkpoint` : ''}`
          : proof.problems.join('; '),
      callEventsLinked: eventsIntact(events),
    },
  };
}
