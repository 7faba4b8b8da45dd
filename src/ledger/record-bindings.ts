import { getLater } from './driver';
import { noticeIdOf } from './identifiers';
import type { Ledger } from './ledger';
import type { ClipRow, ConsentRow, NewEvent } from './rows';

/**
 * The rows an auditor relies on, bound into the log. Whenever a transaction appends an event about
 * a consent, it also appends (before it commits) a `record` entry holding the consent's and its
 * clip's evidential fields, unless the latest such entry already says the same. A row changed by any
 * other means (an UPDATE in the database file) no longer matches its latest entry, and
 * `consent verify` names it. Personal data (sealed fields, keyed hashes) and key wrapping (which
 * rotation changes) stay out: the log is kept forever, and erasure must not break it.
 */
export const RECORD_EVENT = 'record';
const LATEST_RECORD = `SELECT seq, data FROM events WHERE consent_id = ? AND type = '${RECORD_EVENT}' ORDER BY seq DESC LIMIT 1`;

const CONSENT_FIELDS = [
  'id',
  'call_sid',
  'created_at',
  'locale',
  'method',
  'confidence',
  'notice_id',
  'decision',
  'purposes',
  'status',
  'withdrawn_at',
  'purposes_ended',
  'expired_at',
  'clip_start_ms',
  'clip_end_ms',
] as const;
const CLIP_FIELDS = [
  'status',
  'recording_sid',
  'object_key',
  'format',
  'duration_sec',
  'plain_bytes',
  'cipher_bytes',
  'plain_sha256',
  'cipher_sha256',
  'offset_start_sec',
  'offset_end_sec',
  'stored_at',
  'deleted_at',
] as const;

export type BoundRecord = {
  consent: Record<string, unknown>;
  clip: Record<string, unknown> | null;
  /** The hash of the notice text the caller heard (its id is that hash, checked on every verify). */
  noticeSha256: string;
};

const pick = (row: object, fields: readonly string[]): Record<string, unknown> => {
  const values = row as Record<string, unknown>;
  return Object.fromEntries(fields.map((f) => [f, values[f] ?? null]));
};

export function boundRecord(ledger: Ledger, consentId: string): BoundRecord | null {
  return recordOf(ledger.getConsent(consentId), ledger.getClip(consentId));
}

function recordOf(consent: ConsentRow | undefined, clip: ClipRow | undefined): BoundRecord | null {
  if (!consent) return null;
  return {
    consent: pick(consent, CONSENT_FIELDS),
    clip: clip ? pick(clip, CLIP_FIELDS) : null,
    noticeSha256: consent.notice_id,
  };
}

/** The latest `record` entry of one consent (an index probe, not a walk). */
export function latestRecordEntry(
  ledger: Ledger,
  consentId: string,
): { seq: number; data: string } | undefined {
  return ledger.sql(LATEST_RECORD).get(consentId) as { seq: number; data: string } | undefined;
}

/** Appends a `record` entry for each consent whose bound fields differ from its latest one. */
export function bindRecords(ledger: Ledger, consentIds: Iterable<string>, at: Date): void {
  // Every read first, none depending on another: on PostgreSQL one round trip for all of them.
  const reads = [...consentIds].map((id) => ({
    id,
    consent: getLater(ledger.sql('SELECT * FROM consents WHERE id = ?'), id),
    clip: getLater(ledger.sql('SELECT * FROM clips WHERE consent_id = ?'), id),
    latest: getLater(ledger.sql(LATEST_RECORD), id),
  }));
  const entries: NewEvent[] = [];
  for (const r of reads) {
    const record = recordOf(r.consent() as ConsentRow | undefined, r.clip() as ClipRow | undefined);
    if (!record) continue;
    const data = JSON.stringify(record);
    if ((r.latest() as { data: string } | undefined)?.data === data) continue;
    entries.push({ type: RECORD_EVENT, consentId: r.id, at, data: record });
  }
  // One append for the whole transaction: one read of the chain's head, one walk of the Merkle frontier.
  ledger.append(entries);
}

/** Differences between a bound record and the rows, field by field, for a message an auditor reads. */
export function recordDifferences(consentId: string, logged: BoundRecord, now: BoundRecord | null): string[] {
  if (!now) return [`consent ${consentId} is in the log but its row is gone`];
  const out: string[] = [];
  for (const [part, was, is] of [
    ['consent', logged.consent, now.consent],
    ['clip', logged.clip ?? {}, now.clip ?? {}],
  ] as const)
    for (const field of new Set([...Object.keys(was), ...Object.keys(is)]))
      if (JSON.stringify(was[field] ?? null) !== JSON.stringify(is[field] ?? null))
        out.push(
          `${part} row of consent ${consentId}: ${field} is ${JSON.stringify(is[field] ?? null)} but the log says ${JSON.stringify(was[field] ?? null)}`,
        );
  return out;
}

/** Every consent and clip row against its latest `record` entry, and every notice against its hash. O(n). */
export function auditRecords(ledger: Ledger): string[] {
  const problems: string[] = [];
  const latest = new Map<string, string>();
  for (const row of ledger
    .sql(`SELECT consent_id, data FROM events WHERE type = '${RECORD_EVENT}' ORDER BY seq`)
    .iterate() as Iterable<{ consent_id: string; data: string }>)
    latest.set(row.consent_id, row.data);
  const ids = ledger.sql('SELECT id FROM consents ORDER BY created_at').pluck().all() as string[];
  for (const id of ids) {
    const logged = latest.get(id);
    const now = boundRecord(ledger, id);
    if (!logged) problems.push(`consent ${id} has no entry in the log (a row added outside the service)`);
    else if (logged !== JSON.stringify(now))
      problems.push(...recordDifferences(id, JSON.parse(logged) as BoundRecord, now));
  }
  const known = new Set(ids);
  for (const id of latest.keys())
    if (!known.has(id)) problems.push(`consent ${id} is in the log but its row is gone`);
  for (const n of ledger.sql('SELECT id, locale, kind, content FROM notices').iterate() as Iterable<{
    id: string;
    locale: string;
    kind: 'text' | 'audio';
    content: string;
  }>)
    if (noticeIdOf(n.locale, n.kind, n.content) !== n.id)
      problems.push(`notice ${n.id} was altered: its text no longer has the hash it is named by`);
  return problems;
}
