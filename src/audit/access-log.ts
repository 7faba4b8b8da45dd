import type { Ledger } from '../ledger';
import { eventHash, GENESIS_HASH, verifyRows, type ChainedRow, type ChainVerdict } from '../ledger/chain';

export interface AccessEntry {
  action: string;
  /** The portal user; null on the command line, where `email` holds the operating-system user. */
  userId: number | null;
  email: string;
  role: string;
  ip: string | null;
  reason: string | null;
  consentId?: string | null;
  callSid?: string | null;
  /** What was read, beyond the consent: a search's criteria, an export's hash. Never personal data in clear. */
  detail?: Record<string, unknown>;
  via: 'portal' | 'api' | 'cli';
}

export interface AccessRecord {
  seq: number;
  at: string;
  action: string;
  consentId: string | null;
  callSid: string | null;
  user: string;
  role: string;
  ip: string | null;
  reason: string | null;
  via: string;
  detail: Record<string, unknown>;
  hash: string;
}

/**
 * Who read which personal data or audio, when, from where and why. Rows have the shape of ledger
 * events so the same hash chain (and verifier) protects them; triggers forbid updates and deletes.
 */
export class AccessLog {
  constructor(
    private readonly ledger: Ledger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  append(e: AccessEntry): void {
    this.appendAll([e]);
  }

  /**
   * Entries in one transaction that takes the write lock before it reads the chain's head, so a
   * CLI process and the server appending at the same time wait for each other instead of failing.
   */
  appendAll(entries: AccessEntry[]): void {
    if (entries.length === 0) return;
    const write = (): void => {
      let last = this.ledger.sql('SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1').get() as
        { seq: number; hash: string } | undefined;
      for (const e of entries) {
        const row = {
          seq: (last?.seq ?? 0) + 1,
          call_sid: e.callSid ?? null,
          consent_id: e.consentId ?? null,
          type: e.action,
          at: this.now().toISOString(),
          data: JSON.stringify({
            userId: e.userId,
            user: e.email,
            role: e.role,
            ip: e.ip,
            reason: e.reason,
            via: e.via,
            detail: e.detail ?? {},
          }),
        };
        const prev = last?.hash ?? GENESIS_HASH;
        const hash = eventHash(prev, row);
        this.ledger
          .sql(
            'INSERT INTO access_log (seq, call_sid, consent_id, type, at, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .run(row.seq, row.call_sid, row.consent_id, row.type, row.at, row.data, prev, hash);
        last = { seq: row.seq, hash };
      }
    };
    if (this.ledger.db.inTransaction) write();
    else this.ledger.db.transaction(write).immediate();
  }

  /** Entries of the given actions, newest first (the auditors' overview of account changes). */
  byActions(actions: readonly string[], limit = 50): AccessRecord[] {
    const rows = this.ledger
      .sql(
        `SELECT * FROM access_log WHERE type IN (${actions.map(() => '?').join(', ')}) ORDER BY seq DESC LIMIT ?`,
      )
      .all(...actions, limit) as ChainedRow[];
    return rows.map(toRecord);
  }

  list(opts: { limit?: number; offset?: number } = {}): AccessRecord[] {
    const rows = this.ledger
      .sql('SELECT * FROM access_log ORDER BY seq DESC LIMIT ? OFFSET ?')
      .all(opts.limit ?? 100_000, opts.offset ?? 0) as ChainedRow[];
    return rows.map(toRecord);
  }

  count(): number {
    return this.ledger.sql('SELECT COUNT(*) FROM access_log').pluck().get() as number;
  }

  verify(): ChainVerdict {
    return verifyRows(
      this.ledger.sql('SELECT * FROM access_log ORDER BY seq').iterate() as Iterable<ChainedRow>,
    );
  }
}

function toRecord(r: ChainedRow): AccessRecord {
  const d = JSON.parse(r.data) as Pick<AccessRecord, 'user' | 'role' | 'ip' | 'reason' | 'via' | 'detail'>;
  return {
    seq: r.seq,
    at: r.at,
    action: r.type,
    consentId: r.consent_id,
    callSid: r.call_sid,
    user: d.user,
    role: d.role,
    ip: d.ip,
    reason: d.reason,
    via: d.via,
    detail: d.detail,
    hash: r.hash,
  };
}

const CSV_COLUMNS = [
  'seq',
  'at',
  'action',
  'user',
  'role',
  'ip',
  'reason',
  'consentId',
  'callSid',
  'via',
  'hash',
] as const;

/** Cells that start with = + - @ are prefixed so a spreadsheet never runs them as formulas. */
function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function accessLogCsv(records: AccessRecord[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of records) lines.push(CSV_COLUMNS.map((c) => csvCell(r[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
