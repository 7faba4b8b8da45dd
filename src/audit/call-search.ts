import type { CallRow, ConsentRow, Ledger } from '../ledger';
import { parsePurposes, PAGE_SIZE, type SearchQuery } from './consents';
import type { SearchCountries } from './outcomes';
import { type SearchColumns, searchWhere } from './search-where';

export type { SearchCountries } from './outcomes';

/** Every call, whatever became of it (see outcomes.ts); a call without a consent is found like one with. */

export interface CallSummary {
  callSid: string;
  startedAt: string;
  endedAt: string | null;
  caller: string | null;
  language: string;
  /** The contract's outcome; null while the call is still going. */
  outcome: CallRow['outcome'];
  routedTo: CallRow['routed_to'];
  consentId: string | null;
  consentStatus: ConsentRow['status'] | null;
  purposes: Record<string, boolean>;
  minor: boolean;
  handedToHuman: boolean;
}

export interface CallSearchResult {
  rows: CallSummary[];
  total: number;
  page: number;
  pages: number;
}

/** The search criteria over the calls list: a call matches through any of its consents (see search-where). */
const CALL_COLUMNS: SearchColumns = {
  caller: { hash: 'c.caller_hash', called: 'c.called' },
  consentId: '(c.consent_id = @id OR c.call_sid IN (SELECT call_sid FROM consents WHERE id = @id))',
  callSid: 'c.call_sid',
  createdAt: 'c.created_at',
  status: 'c.call_sid IN (SELECT call_sid FROM consents WHERE status = @status)',
  purpose:
    "c.call_sid IN (SELECT call_sid FROM consents WHERE CAST(json_extract(purposes, '$.' || @purpose) AS INTEGER) = 1)",
  locale: 'c.locale',
  outcomeCallSid: 'c.call_sid',
};

export function searchCalls(ledger: Ledger, q: SearchQuery, countries: SearchCountries): CallSearchResult {
  const { clause, params } = searchWhere(ledger, q, countries, CALL_COLUMNS);
  const total = ledger.db.prepare(`SELECT COUNT(*) FROM calls c ${clause}`).pluck().get(params) as number;
  const calls = ledger.db
    .prepare(
      `SELECT c.* FROM calls c ${clause} ORDER BY c.created_at DESC, c.call_sid LIMIT @limit OFFSET @offset`,
    )
    .all({ ...params, limit: PAGE_SIZE, offset: (q.page - 1) * PAGE_SIZE }) as CallRow[];
  const flags = (sid: string, type: string, like: string): boolean =>
    ledger.db
      .prepare('SELECT 1 FROM events WHERE call_sid = ? AND type = ? AND data LIKE ? LIMIT 1')
      .get(sid, type, like) !== undefined;
  return {
    rows: calls.map((c) => {
      const consent = c.consent_id
        ? ledger.getConsent(c.consent_id)
        : (ledger.db
            .prepare('SELECT * FROM consents WHERE call_sid = ? ORDER BY created_at DESC LIMIT 1')
            .get(c.call_sid) as ConsentRow | undefined);
      return {
        callSid: c.call_sid,
        startedAt: c.created_at,
        endedAt: c.ended_at,
        caller: ledger.openFor(c.caller_hash, c.caller_enc),
        language: c.locale,
        outcome: c.outcome,
        routedTo: c.routed_to,
        consentId: consent?.id ?? null,
        consentStatus: consent?.status ?? null,
        purposes: consent ? parsePurposes(consent.purposes) : {},
        minor: flags(c.call_sid, 'minor_declared', '%'),
        handedToHuman: flags(c.call_sid, 'handover', '%"to":"human"%'),
      };
    }),
    total,
    page: q.page,
    pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
  };
}
