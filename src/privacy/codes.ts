import crypto from 'node:crypto';
import { normalizeNumber, type Ledger } from '../ledger';
import { sealForOutbox } from '../outbound/crm-events';
import { isSmsNumber } from '../outbound/sms-address';
import { typedCode } from './typed-code';

export const CODE_TTL_MS = 10 * 60_000;
export const MAX_FAILURES = 5;
export const CODE_SMS_JOB = 'privacy_code_sms';

interface CodeRow {
  id: string;
  caller_hash: string | null;
  code_hash: string;
  locale: string;
  created_at: number;
  expires_at: number;
  failures: number;
  session_hash: string | null;
  used_at: number | null;
}

export type CheckResult =
  | { ok: true; callerHash: string | null; session: string; expiresAt: number }
  | { ok: false; reason: 'wrong' | 'void' };

const sha256 = (s: string): string => crypto.createHash('sha256').update(s).digest('hex');

/**
 * One-time codes for the caller's own page. A request for a number without consents gets a row
 * like any other (a code nobody is sent), so what follows looks the same either way: nothing tells
 * whether a number is known. Codes are stored as keyed hashes, never in clear.
 */
export class PrivacyCodes {
  constructor(
    private readonly ledger: Ledger,
    private readonly now: () => number = Date.now,
  ) {}

  private codeHash(id: string, code: string): string {
    return crypto
      .createHmac('sha256', this.ledger.derivedKey('privacy'))
      .update(`code:${id}:${code}`)
      .digest('hex');
  }

  /**
   * Starts a request for `phone`: returns the handle the code form carries. For a number with
   * consents, the SMS (sealed: number and code) is queued in the same transaction.
   */
  request(phone: string, locale: string, body: (code: string) => string): string {
    const id = crypto.randomBytes(18).toString('base64url');
    const code = String(crypto.randomInt(0, 1_000_000)).padStart(6, '0');
    const now = this.now();
    this.ledger.transaction(() => {
      const number = normalizeNumber(phone);
      const hash = this.ledger.callerHash(number);
      // The sender is the number the caller called us on: the one they know. A line reached by
      // SIP (`sip:…`) sends no SMS (Twilio refuses it), so the latest call to a phone number.
      const called = this.ledger
        .sql(
          `SELECT calls.called FROM consents JOIN calls ON calls.call_sid = consents.call_sid
           WHERE consents.caller_hash = ? ORDER BY consents.created_at DESC LIMIT 50`,
        )
        .pluck()
        .all(hash) as Array<string | null>;
      const latest = called.length > 0 ? { called: called.find(isSmsNumber) ?? null } : undefined;
      const known = latest !== undefined && this.ledger.subjectKey(hash, false) !== null;
      this.ledger
        .sql(
          'INSERT INTO privacy_codes (id, caller_hash, code_hash, locale, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(id, known ? hash : null, this.codeHash(id, code), locale, now, now + CODE_TTL_MS);
      if (known && latest.called)
        this.ledger.enqueue(
          CODE_SMS_JOB,
          { sealed: sealForOutbox(this.ledger, { to: number, from: latest.called, body: body(code) }) },
          { dedupeKey: `${CODE_SMS_JOB}:${id}` },
        );
    });
    return id;
  }

  /**
   * Checks a code. A wrong one counts; the fifth makes the code void, as does its age. A right one
   * opens a session (a cookie value) until the code expires, for the access page and its download.
   */
  check(id: string, code: string): CheckResult {
    return this.ledger.transaction((): CheckResult => {
      const row = this.ledger.sql('SELECT * FROM privacy_codes WHERE id = ?').get(id) as CodeRow | undefined;
      const now = this.now();
      if (!row || row.expires_at <= now || row.failures >= MAX_FAILURES) return { ok: false, reason: 'void' };
      const typed = typedCode(code);
      const given = Buffer.from(this.codeHash(id, typed));
      const right = /^\d{6}$/.test(typed) && crypto.timingSafeEqual(given, Buffer.from(row.code_hash));
      // A number without consents was sent no code: no code is right for it.
      if (!right || row.caller_hash === null) {
        const failures = row.failures + 1;
        this.ledger.sql('UPDATE privacy_codes SET failures = ? WHERE id = ?').run(failures, id);
        return { ok: false, reason: failures >= MAX_FAILURES ? 'void' : 'wrong' };
      }
      const session = crypto.randomBytes(24).toString('base64url');
      this.ledger
        .sql('UPDATE privacy_codes SET session_hash = ?, used_at = COALESCE(used_at, ?) WHERE id = ?')
        .run(sha256(session), now, id);
      return { ok: true, callerHash: row.caller_hash, session, expiresAt: row.expires_at };
    });
  }

  /** The caller a session cookie stands for, while its code is valid. */
  session(cookie: string | undefined): { callerHash: string; expiresAt: number } | null {
    if (!cookie) return null;
    const row = this.ledger
      .sql('SELECT caller_hash, expires_at FROM privacy_codes WHERE session_hash = ?')
      .get(sha256(cookie)) as { caller_hash: string | null; expires_at: number } | undefined;
    if (!row?.caller_hash || row.expires_at <= this.now()) return null;
    return { callerHash: row.caller_hash, expiresAt: row.expires_at };
  }
}
