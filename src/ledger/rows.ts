/** The ledger's row shapes, as SQLite stores them. */
export type Outcome = 'granted' | 'declined' | 'withdrawn' | 'no_answer' | 'abandoned';
export type RoutedTo = 'assistant' | 'human' | 'none';
export type Method = 'dtmf' | 'speech';

export interface CallRow {
  call_sid: string;
  created_at: string;
  updated_at: string;
  locale: string;
  caller_hash: string | null;
  caller_enc: string | null;
  called: string | null;
  country: string | null;
  state: 'active' | 'ended';
  outcome: Outcome | null;
  consent_id: string | null;
  method: Method | null;
  routed_to: RoutedTo;
  recording_started_ms: number | null;
  ended_at: string | null;
}

export interface ConsentRow {
  id: string;
  call_sid: string;
  created_at: string;
  updated_at: string;
  caller_hash: string | null;
  caller_enc: string | null;
  locale: string;
  method: Method;
  input_enc: string | null;
  confidence: number | null;
  notice_id: string;
  decision: 'granted' | 'declined';
  purposes: string;
  status: 'active' | 'declined' | 'withdrawn' | 'expired';
  withdrawn_at: string | null;
  /** Purpose id → when its retention ended it (JSON). */
  purposes_ended: string;
  expired_at: string | null;
  clip_start_ms: number | null;
  clip_end_ms: number | null;
}

export interface ClipRow {
  consent_id: string;
  call_sid: string;
  recording_sid: string | null;
  status: 'pending' | 'stored' | 'none' | 'deleted';
  object_key: string | null;
  wrapped_key: string | null;
  key_id: string | null;
  format: string | null;
  duration_sec: number | null;
  plain_bytes: number | null;
  cipher_bytes: number | null;
  plain_sha256: string | null;
  cipher_sha256: string | null;
  offset_start_sec: number | null;
  offset_end_sec: number | null;
  stored_at: string | null;
  deleted_at: string | null;
}

export interface NewEvent {
  type: string;
  callSid?: string | null;
  consentId?: string | null;
  at: Date;
  /** Never personal data in plain text: events are kept forever, personal data can be shredded. */
  data?: Record<string, unknown>;
}

export type BatchOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export interface JobRow {
  id: number;
  kind: string;
  payload: string;
  dedupe_key: string | null;
  status: 'pending' | 'running' | 'done' | 'failed';
  attempts: number;
  run_at: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  /** Until when (epoch ms) the worker that claimed it owns a `running` job. */
  lease_until: number | null;
  /** The claim's token: only its holder may finish the job. */
  lease_owner: string | null;
}

/** A call as its first webhook starts it (idempotent: Twilio retries). */
export interface NewCall {
  callSid: string;
  from: string | null;
  called: string | null;
  country: string | null;
  locale: string;
  at: Date;
}

/** The columns of a call that change while it runs. */
export const CALL_FIELDS = new Set([
  'locale',
  'state',
  'outcome',
  'consent_id',
  'method',
  'routed_to',
  'recording_started_ms',
  'ended_at',
]);

export type CallUpdate = Partial<
  Pick<
    CallRow,
    | 'locale'
    | 'state'
    | 'outcome'
    | 'consent_id'
    | 'method'
    | 'routed_to'
    | 'recording_started_ms'
    | 'ended_at'
  >
>;

/** A caller's answer, as the ledger records it. */
export interface NewConsent {
  callSid: string;
  callerHash: string | null;
  callerEnc: string | null;
  locale: string;
  method: Method;
  input: string | null;
  confidence: number | null;
  noticeId: string;
  decision: 'granted' | 'declined';
  purposes: Record<string, boolean>;
  clipStartMs: number | null;
  clipEndMs: number | null;
  at: Date;
}
