/**
 * The portal's search criteria as one WHERE clause, for either list it searches (consents or
 * calls): the same criteria and parameters, each over that list's columns, so the two searches
 * cannot drift apart in what a criterion means. Plain SQL: both engines run it.
 */
import type { Ledger } from '../ledger';
import type { SearchQuery } from './consents';
import { callerCondition } from './number-query';
import { outcomeCondition, type SearchCountries } from './outcomes';

/** How each criterion reads on one list: SQL over its rows, with the parameters named as below. */
export interface SearchColumns {
  /** The caller's hash and the number the call dialled (see number-query). */
  caller: { hash: string; called: string };
  /** A condition on @id: the row belongs to that consent. */
  consentId: string;
  callSid: string;
  createdAt: string;
  /** A condition on @status: a consent of the row has that status. */
  status: string;
  /** A condition on @purpose: a consent of the row grants that purpose. */
  purpose: string;
  locale: string;
  /** The row's call, for the outcome filters (see outcomes.ts). */
  outcomeCallSid: string;
}

export function searchWhere(
  ledger: Ledger,
  q: SearchQuery,
  countries: SearchCountries,
  columns: SearchColumns,
): { clause: string; params: Record<string, string> } {
  const where: string[] = [];
  const params: Record<string, string> = {};
  if (q.number) {
    // However the number was typed: the same readings in both lists (see number-query).
    const cond = callerCondition((n) => ledger.callerHash(n), q.number, countries, columns.caller);
    where.push(cond.sql);
    Object.assign(params, cond.params);
  }
  if (q.consentId) {
    where.push(columns.consentId);
    params.id = q.consentId;
  }
  if (q.callSid) {
    where.push(`${columns.callSid} = @sid`);
    params.sid = q.callSid;
  }
  if (q.from) {
    where.push(`${columns.createdAt} >= @from`);
    params.from = `${q.from}T00:00:00.000Z`;
  }
  if (q.to) {
    where.push(`${columns.createdAt} <= @to`);
    params.to = `${q.to}T23:59:59.999Z`;
  }
  if (q.status) {
    where.push(columns.status);
    params.status = q.status;
  }
  if (q.purpose) {
    where.push(columns.purpose);
    params.purpose = q.purpose;
  }
  if (q.language) {
    where.push(`${columns.locale} = @lang`);
    params.lang = q.language;
  }
  if (q.outcome) where.push(outcomeCondition(q.outcome, columns.outcomeCallSid));
  return { clause: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}
