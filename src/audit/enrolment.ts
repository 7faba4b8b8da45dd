import crypto from 'node:crypto';
import type { Ledger } from '../ledger';
import { hashPassword, MIN_PASSWORD_LENGTH } from './passwords';
import { totp, totpStepOf, TOTP_ISSUER, type UserRow } from './users';

/** How long an enrolment link works: long enough to reach someone over a weekend. */
export const ENROLMENT_TTL_MS = 72 * 60 * 60_000;

const sha256 = (s: string): string => crypto.createHash('sha256').update(s).digest('hex');

export type EnrolResult = { ok: true; user: UserRow } | { ok: false; error: string };

/**
 * One-time enrolment links: the person sets their own password and scans their own TOTP secret,
 * so nobody else (the admin who invited them included) ever holds either.
 */
export class Enrolments {
  constructor(
    private readonly ledger: Ledger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A new link for the user; any older unused link of theirs stops working. */
  issue(userId: number, createdBy: number | null): { token: string; expiresAt: number } {
    const token = crypto.randomBytes(32).toString('base64url');
    const t = this.now().getTime();
    this.ledger.transaction(() => {
      this.ledger
        .sql('UPDATE enrolments SET used_at = ? WHERE user_id = ? AND used_at IS NULL')
        .run(`superseded ${this.now().toISOString()}`, userId);
      this.ledger
        .sql(
          'INSERT INTO enrolments (token_hash, user_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
        )
        .run(sha256(token), userId, createdBy, this.now().toISOString(), t + ENROLMENT_TTL_MS);
    });
    return { token, expiresAt: t + ENROLMENT_TTL_MS };
  }

  /**
   * The user behind a live link and the TOTP secret to show them: made on first opening and kept
   * with the link (wrapped), so reloading the page shows the same one.
   */
  open(token: string): { user: UserRow; otpauth: string; secret: string } | null {
    const row = this.live(token);
    if (!row) return null;
    const user = this.ledger.sql('SELECT * FROM users WHERE id = ?').get(row.user_id) as UserRow | undefined;
    if (!user || user.disabled || user.kind !== 'person') return null;
    let secret: string;
    if (row.totp_enc) secret = this.ledger.keyRing.unwrap(row.totp_enc).toString();
    else {
      secret = totp.generateSecret(20);
      this.ledger
        .sql('UPDATE enrolments SET totp_enc = ? WHERE token_hash = ? AND totp_enc IS NULL')
        .run(this.ledger.keyRing.wrap(Buffer.from(secret)), sha256(token));
    }
    return { user, secret, otpauth: totp.keyuri(user.email, TOTP_ISSUER, secret) };
  }

  /** Sets password and TOTP from the link's page; the link is spent by the same statement that checks it. */
  async complete(token: string, password: string, repeat: string, code: string): Promise<EnrolResult> {
    const opened = this.open(token);
    if (!opened) return { ok: false, error: 'this enrolment link is used, expired or unknown' };
    if (password.length < MIN_PASSWORD_LENGTH)
      return { ok: false, error: `the password needs at least ${MIN_PASSWORD_LENGTH} characters` };
    if (password !== repeat) return { ok: false, error: 'the two passwords differ' };
    const step = totpStepOf(opened.secret, code);
    if (step === null) return { ok: false, error: 'the code from the authenticator app is wrong' };
    const hash = await hashPassword(password);
    const at = this.now().toISOString();
    const done = this.ledger.transaction(() => {
      const spent = this.ledger
        .sql('UPDATE enrolments SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?')
        .run(at, sha256(token), this.now().getTime()).changes;
      if (spent !== 1) return false;
      this.ledger
        .sql(
          'UPDATE users SET password_hash = ?, totp_enc = ?, totp_last_step = ?, enrolled_at = ?, failed_logins = 0, locked_until = 0 WHERE id = ?',
        )
        .run(hash, this.ledger.keyRing.wrap(Buffer.from(opened.secret)), step, at, opened.user.id);
      return true;
    });
    if (!done) return { ok: false, error: 'this enrolment link is used, expired or unknown' };
    const user = this.ledger.sql('SELECT * FROM users WHERE id = ?').get(opened.user.id) as UserRow;
    return { ok: true, user };
  }

  private live(token: string): { user_id: number; totp_enc: string | null } | undefined {
    return this.ledger
      .sql(
        'SELECT user_id, totp_enc FROM enrolments WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?',
      )
      .get(sha256(token), this.now().getTime()) as { user_id: number; totp_enc: string | null } | undefined;
  }
}
