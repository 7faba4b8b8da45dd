import { authenticator } from 'otplib';
import type { Ledger } from '../ledger';
import { dummyHash, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './passwords';
import type { Role } from './roles';

export interface UserRow {
  id: number;
  email: string;
  role: Role;
  password_hash: string;
  totp_enc: string;
  totp_last_step: number;
  failed_logins: number;
  locked_until: number;
  disabled: number;
  created_at: string;
}

export type PublicUser = Pick<UserRow, 'id' | 'email' | 'role' | 'created_at'> & {
  locked: boolean;
  disabled: boolean;
};

export const MAX_FAILED_LOGINS = 5;
export const LOCK_MS = 15 * 60_000;
const TOTP_STEP_MS = 30_000;
export const TOTP_ISSUER = 'Consent Gateway';

/** One step either side tolerates clock drift between the server and the auditor's phone. */
const totp = authenticator.clone({ window: 1 });

export type LoginResult = { ok: true; user: UserRow } | { ok: false; locked: boolean };

export class UserStore {
  constructor(
    private readonly ledger: Ledger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async add(email: string, role: Role, password: string): Promise<{ user: UserRow; otpauth: string }> {
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new Error('not an e-mail address');
    if (password.length < MIN_PASSWORD_LENGTH)
      throw new Error(`the password needs at least ${MIN_PASSWORD_LENGTH} characters`);
    const secret = totp.generateSecret(20);
    const hash = await hashPassword(password);
    const info = this.ledger
      .sql('INSERT INTO users (email, role, password_hash, totp_enc, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(email, role, hash, this.ledger.keyRing.wrap(Buffer.from(secret)), this.now().toISOString());
    const user = this.byId(Number(info.lastInsertRowid));
    if (!user) throw new Error('user vanished after insert');
    return { user, otpauth: totp.keyuri(email, TOTP_ISSUER, secret) };
  }

  byId(id: number): UserRow | undefined {
    return this.ledger.sql('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
  }

  byEmail(email: string): UserRow | undefined {
    return this.ledger.sql('SELECT * FROM users WHERE email = ?').get(email) as UserRow | undefined;
  }

  list(): PublicUser[] {
    const rows = this.ledger.sql('SELECT * FROM users ORDER BY email').all() as UserRow[];
    return rows.map((u) => this.toPublic(u));
  }

  toPublic(u: UserRow): PublicUser {
    return {
      id: u.id,
      email: u.email,
      role: u.role,
      created_at: u.created_at,
      locked: u.locked_until > this.now().getTime(),
      disabled: u.disabled === 1,
    };
  }

  setDisabled(id: number, disabled: boolean): void {
    this.ledger.sql('UPDATE users SET disabled = ? WHERE id = ?').run(disabled ? 1 : 0, id);
    if (disabled) this.ledger.sql('DELETE FROM sessions WHERE user_id = ?').run(id);
  }

  /**
   * Password and TOTP together; the answer never says which one was wrong or whether the account
   * exists, and an unknown address costs one scrypt like a known one.
   */
  async login(email: string, password: string, code: string): Promise<LoginResult> {
    const user = this.byEmail(email);
    const now = this.now().getTime();
    const passwordOk = await verifyPassword(password, user?.password_hash ?? (await dummyHash()));
    if (!user || user.disabled) return { ok: false, locked: false };
    if (user.locked_until > now) return { ok: false, locked: true };
    const step = passwordOk ? this.totpStep(user, code) : null;
    if (step === null) {
      const failed = user.failed_logins + 1;
      const lock = failed >= MAX_FAILED_LOGINS;
      this.ledger
        .sql('UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?')
        .run(lock ? 0 : failed, lock ? now + LOCK_MS : user.locked_until, user.id);
      return { ok: false, locked: lock };
    }
    this.ledger
      .sql('UPDATE users SET failed_logins = 0, locked_until = 0, totp_last_step = ? WHERE id = ?')
      .run(step, user.id);
    return { ok: true, user: { ...user, failed_logins: 0, totp_last_step: step } };
  }

  /** The time step the code belongs to, or null; a step already used is refused (no replay). */
  private totpStep(user: UserRow, code: string): number | null {
    if (!/^\d{6}$/.test(code)) return null;
    const secret = this.ledger.keyRing.unwrap(user.totp_enc).toString();
    const delta = totp.checkDelta(code, secret);
    if (delta === null) return null;
    // Real time, not the injected clock: otplib checked the code against real time, and so does the phone.
    const step = Math.floor(Date.now() / TOTP_STEP_MS) + delta;
    return step > user.totp_last_step ? step : null;
  }
}
