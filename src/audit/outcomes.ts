import type { CountryCode } from 'libphonenumber-js';

/**
 * Search over every call, whatever became of it: the contract's outcomes (granted, declined,
 * withdrawn, no_answer, abandoned) and two that cut across them, a caller who said they are under
 * age and a caller handed to a person. A call without a consent is found like one with.
 */
export const OUTCOME_FILTERS = [
  'granted',
  'declined',
  'withdrawn',
  'no_answer',
  'abandoned',
  'minor',
  'human',
] as const;
export type OutcomeFilter = (typeof OUTCOME_FILTERS)[number];

export interface SearchCountries {
  defaultCountry: CountryCode;
  others: readonly CountryCode[];
}

/** Plain SQL over the call with the SID in `sidColumn`, for both engines. */
export function outcomeCondition(outcome: OutcomeFilter, sidColumn: string): string {
  switch (outcome) {
    case 'minor':
      return `EXISTS (SELECT 1 FROM events ev WHERE ev.call_sid = ${sidColumn} AND ev.type = 'minor_declared')`;
    case 'human':
      // Events are stored as compact JSON, so the handover's target reads the same on every engine.
      return `EXISTS (SELECT 1 FROM events ev WHERE ev.call_sid = ${sidColumn} AND ev.type = 'handover' AND ev.data LIKE '%"to":"human"%')`;
    default:
      return `${sidColumn} IN (SELECT oc.call_sid FROM calls oc WHERE oc.outcome = '${outcome}')`;
  }
}
