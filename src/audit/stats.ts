import type { Ledger } from '../ledger';
import { parsePurposes } from './consents';

export interface Rates {
  calls: number;
  consentRate: number;
  refusalRate: number;
  infoRequestRate: number;
  abandonedDuringAnnouncement: number;
  avgSecondsToDecision: number | null;
}

export interface Statistics {
  from: string;
  to: string;
  total: Rates;
  byLanguage: Record<string, Rates>;
  byPurpose: Record<string, { granted: number; refused: number }>;
  byNotice: Record<string, { consents: number; granted: number; declined: number }>;
}

interface CallFacts {
  locale: string;
  outcome: string | null;
  state: string;
  info: number;
  disclosed: number;
  decisionSeconds: number | null;
}

const ratio = (n: number, d: number): number => (d === 0 ? 0 : Math.round((n / d) * 10_000) / 10_000);

function rates(calls: CallFacts[]): Rates {
  const decided = calls.filter((c) => c.decisionSeconds !== null);
  return {
    calls: calls.length,
    consentRate: ratio(calls.filter((c) => c.outcome === 'granted').length, calls.length),
    refusalRate: ratio(calls.filter((c) => c.outcome === 'declined').length, calls.length),
    infoRequestRate: ratio(calls.filter((c) => c.info > 0).length, calls.length),
    abandonedDuringAnnouncement: ratio(
      calls.filter((c) => c.state === 'ended' && c.disclosed === 0).length,
      calls.length,
    ),
    avgSecondsToDecision: decided.length
      ? Math.round((decided.reduce((s, c) => s + (c.decisionSeconds ?? 0), 0) / decided.length) * 10) / 10
      : null,
  };
}

/** Aggregates only: no number, no transcript, no consent ID leaves this function. */
export function statistics(ledger: Ledger, from: string, to: string): Statistics {
  const range = { from: `${from}T00:00:00.000Z`, to: `${to}T23:59:59.999Z` };
  const calls = ledger.db
    .prepare(
      `SELECT c.locale, c.outcome, c.state,
         (SELECT COUNT(*) FROM events e WHERE e.call_sid = c.call_sid AND e.type = 'info_requested') AS info,
         (SELECT COUNT(*) FROM events e WHERE e.call_sid = c.call_sid AND e.type = 'disclosed') AS disclosed,
         (SELECT (julianday(MIN(k.created_at)) - julianday(c.created_at)) * 86400 FROM consents k WHERE k.call_sid = c.call_sid) AS "decisionSeconds"
       FROM calls c WHERE c.created_at BETWEEN @from AND @to`,
    )
    .all(range) as CallFacts[];
  const byLanguage: Record<string, Rates> = {};
  for (const locale of new Set(calls.map((c) => c.locale)))
    byLanguage[locale] = rates(calls.filter((c) => c.locale === locale));
  const consents = ledger.db
    .prepare('SELECT notice_id, decision, purposes FROM consents WHERE created_at BETWEEN @from AND @to')
    .all(range) as Array<{ notice_id: string; decision: string; purposes: string }>;
  const byPurpose: Statistics['byPurpose'] = {};
  const byNotice: Statistics['byNotice'] = {};
  for (const c of consents) {
    for (const [id, granted] of Object.entries(parsePurposes(c.purposes))) {
      const p = (byPurpose[id] ??= { granted: 0, refused: 0 });
      if (granted) p.granted += 1;
      else p.refused += 1;
    }
    const n = (byNotice[c.notice_id.slice(0, 12)] ??= { consents: 0, granted: 0, declined: 0 });
    n.consents += 1;
    if (c.decision === 'granted') n.granted += 1;
    else n.declined += 1;
  }
  return { from, to, total: rates(calls), byLanguage, byPurpose, byNotice };
}
