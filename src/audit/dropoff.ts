import type { Ledger } from '../ledger';

/**
 * Where callers leave, and how long they take to decide, per language, notice version and A/B
 * variant, from the ledger's events alone. No number, no transcript, no consent ID leaves here.
 */

export type Stage = 'disclosure' | 'main' | 'info' | `purpose:${string}` | 'handover';

export interface CallPath {
  locale: string;
  version: string;
  variant: string;
  /** Main question: consent, decline, or none. */
  decision: 'granted' | 'declined' | null;
  info: boolean;
  /** Seconds from the end of the disclosure to the main decision. */
  secondsToDecision: number | null;
  /** Where the caller hung up before the call was through; null: it was through, or is still open. */
  leftAt: Stage | null;
  ended: boolean;
}

interface EventRow {
  call_sid: string;
  type: string;
  at: string;
  data: string;
}

type Data = Record<string, unknown>;

/** Follows one call's events through the consent sequence. */
export function pathOf(
  events: ReadonlyArray<{ type: string; at: string; data: Data }>,
  purposes: readonly string[],
): CallPath | null {
  const start = events.find((e) => e.type === 'call_started');
  if (!start) return null;
  const path: CallPath = {
    locale: String(start.data.locale ?? 'unknown'),
    version: String(start.data.noticeVersion ?? 'unknown'),
    variant: typeof start.data.variant === 'string' ? start.data.variant : 'base',
    decision: null,
    info: false,
    secondsToDecision: null,
    leftAt: null,
    ended: false,
  };
  let stage: Stage | 'done' = 'disclosure';
  let question: Stage = 'main';
  let disclosedAt: number | null = null;
  const answered = new Set<string>();
  const nextQuestion = (): Stage | 'done' => {
    const open = purposes.slice(1).find((p) => !answered.has(p));
    return open ? `purpose:${open}` : 'done';
  };
  for (const e of events) {
    switch (e.type) {
      case 'disclosed':
        if (disclosedAt === null) disclosedAt = Date.parse(e.at);
        if (stage === 'disclosure') stage = question = 'main';
        break;
      case 'info_requested':
        path.info = true;
        if (stage !== 'done') stage = 'info';
        break;
      case 'reprompted':
        if (stage === 'info') stage = question;
        break;
      case 'granted':
      case 'declined': {
        const main = e.data.main === true;
        answered.add(String(e.data.purpose ?? ''));
        if (main && path.decision === null) {
          path.decision = e.type;
          if (disclosedAt !== null) path.secondsToDecision = (Date.parse(e.at) - disclosedAt) / 1000;
        }
        if (main && e.type === 'declined') {
          stage = 'handover';
          break;
        }
        const next = nextQuestion();
        stage = next;
        if (next !== 'done') question = next;
        break;
      }
      case 'handover':
        stage = e.data.to === 'human' ? 'handover' : 'done';
        break;
      case 'handover_completed':
      case 'withdrawn':
        stage = 'done';
        break;
      case 'call_ended':
      case 'abandoned':
        if (!path.ended) {
          path.ended = true;
          if (stage !== 'done') path.leftAt = stage;
        }
        break;
      default:
        break;
    }
  }
  return path;
}

/** Every call that started in the period, as its path. */
export function callPaths(ledger: Ledger, from: string, to: string, purposes: readonly string[]): CallPath[] {
  const rows = ledger.db
    .prepare(
      `SELECT e.call_sid, e.type, e.at, e.data FROM events e
       WHERE e.call_sid IN (SELECT s.call_sid FROM events s WHERE s.type = 'call_started' AND s.at >= ? AND s.at <= ?)
       ORDER BY e.call_sid, e.seq`,
    )
    .all(`${from}T00:00:00.000Z`, `${to}T23:59:59.999Z`) as EventRow[];
  const byCall = new Map<string, Array<{ type: string; at: string; data: Data }>>();
  for (const r of rows) {
    const list = byCall.get(r.call_sid) ?? [];
    list.push({ type: r.type, at: r.at, data: JSON.parse(r.data) as Data });
    byCall.set(r.call_sid, list);
  }
  return [...byCall.values()].map((e) => pathOf(e, purposes)).filter((p): p is CallPath => p !== null);
}
