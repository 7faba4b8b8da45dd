import { authenticator } from 'otplib';
import type { Ledger } from '../ledger';
import { dummyHash, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './passwords';
import { ROLES, can, type Role } from './roles';

export interface UserRow {
  id: number;
  /** A person's e-mail address, or a service account's name. */
  email: string;
  role: Role;
  kind: 'person' | 'service';
  password_hash: string;
  totp_enc: string;
  totp_last_step: number;
  failed_logins: number;
  fail_window_start: number;
  locked_until: number;
  disabled: number;
  created_at: string;
  enrolled_at: string | null;
}

export type PublicUser = Pick<UserRow, 'id' | 'email' | 'role' | 'kind' | 'created_at'> & {
  locked: boolean;
  disabled: boolean;
  enrolled: boolean;
};

export const MAX_FAILED_LOGINS = 5;
export const LOCK_MS = 15 * 60_000;
/** Failures count within this window; a successful sign-in does not reset them. */
export const FAILURE_WINDOW_MS = 15 * 60_000;
export const TOTP_STEP_MS = 30_000;
export const TOTP_ISSUER = 'Consent Gateway';

/** One step either side tolerates clock drift between the server and the auditor's phone. */
export const totp = authenticator.clone({ window: 1 });

/**
 * Why a sign-in failed. `failed` is all a wrong password (or unknown address) ever hears; `locked`
 * (with the time it ends) and `replayed` are said only to someone whose password and code were
 * right, so neither answer helps anyone guess a password.
 */
export type LoginResult =
  | { ok: true; user: UserRow }
  | { ok: false; locked: boolean; because: 'failed' }
  | { ok: false; locked: true; because: 'locked'; lockedUntil: number }
  | { ok: false; locked: boolean; because: 'replayed' };

export const isEmail = (s: string): boolean => /^[^\s@]+@[^\s@]+$/.test(s) && s.length <= 254;
export const isServiceName = (s: string): boolean => /^[a-z0-9][a-z0-9._-]{2,63}$/.test(s);

/** Roles that manage accounts: the last active one of them is never disabled or demoted. */
export const ADMIN_ROLES = ROLES.filter((r) => can(r, 'manageUsers'));

/** The time step a 6-digit code belongs to under this secret (real time, as on the phone), or null. */
export function totpStepOf(secret: string, code: string): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totp.checkDelta(code, secret);
  return delta === null ? null : Math.floor(Date.now() / TOTP_STEP_MS) + delta;
}

export class UserStore {
  constructor(
    private readonly ledger: Ledger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The operator's bootstrap path (`consent users add`): an enrolled person with password and TOTP. */
  async add(email: string, role: Role, password: string): Promise<{ user: UserRow; otpauth: string }> {
    if (!isEmail(email)) throw new Error('not an e-mail address');
    if (password.length < MIN_PASSWORD_LENGTH)
      throw new Error(`the password needs at least ${MIN_PASSWORD_LENGTH} characters`);
    const secret = totp.generateSecret(20);
    const hash = await hashPassword(password);
    const at = this.now().toISOString();
    const made = this.ledger
      .sql(
        "INSERT INTO users (email, role, kind, password_hash, totp_enc, created_at, enrolled_at) VALUES (?, ?, 'person', ?, ?, ?, ?) RETURNING id",
      )
      .get(email, role, hash, this.ledger.keyRing.wrap(Buffer.from(secret)), at, at) as { id: number };
    const user = this.byId(made.id);
    if (!user) throw new Error('user vanished after insert');
    return { user, otpauth: totp.keyuri(email, TOTP_ISSUER, secret) };
  }

  /** A person who has not enrolled yet: no password, no TOTP secret, cannot sign in. */
  invite(email: string, role: Role): UserRow {
    if (!isEmail(email)) throw new Error('not an e-mail address');
    return this.insertBare(email, role, 'person');
  }

  /** A named service account: holds API tokens, never signs in. */
  createService(name: string, role: Role): UserRow {
    if (!isServiceName(name))
      throw new Error('a service account name is 3-64 lower-case letters, digits, . _ -');
    if (ADMIN_ROLES.includes(role)) throw new Error('a service account cannot manage accounts');
    return this.insertBare(name, role, 'service');
  }

  private insertBare(name: string, role: Role, kind: UserRow['kind']): UserRow {
    const made = this.ledger
      .sql(
        "INSERT INTO users (email, role, kind, password_hash, totp_enc, created_at) VALUES (?, ?, ?, '', '', ?) RETURNING id",
      )
      .get(name, role, kind, this.now().toISOString()) as { id: number };
    const user = this.byId(made.id);
    if (!user) throw new Error('user vanished after insert');
    return user;
  }

  byId(id: number): UserRow | undefined {
    return this.ledger.sql('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
  }

  byEmail(email: string): UserRow | undefined {
    return this.ledger.sql('SELECT * FROM users WHERE email = ?').get(email) as UserRow | undefined;
  }

  list(): PublicUser[] {
    const rows = this.ledger.sql('SELECT * FROM users ORDER BY kind, email').all() as UserRow[];
    return rows.map((u) => this.toPublic(u));
  }

  toPublic(u: UserRow): PublicUser {
    return {
      id: u.id,
      email: u.email,
      role: u.role,
      kind: u.kind,
      created_at: u.created_at,
      locked: u.locked_until > this.now().getTime(),
      disabled: u.disabled === 1,
      enrolled: u.enrolled_at !== null,
    };
  }

  /**
   * Password and TOTP together; the answer never says which one was wrong or whether the account
   * exists, and an unknown address costs one scrypt like a known one. The lock, the failure count
   * and the used TOTP step are each decided inside one UPDATE, so parallel attempts cannot each
   * read a stale count, and an attempt that finishes after a lock cannot lift it.
   */
  async login(email: string, password: string, code: string): Promise<LoginResult> {
    const found = this.byEmail(email);
    const user = found && found.kind === 'person' && found.enrolled_at && !found.disabled ? found : null;
    const passwordOk = await verifyPassword(password, user?.password_hash || (await dummyHash()));
    if (!user) return { ok: false, locked: false, because: 'failed' };
    const now = this.now().getTime();
    const step = passwordOk ? totpStepOf(this.ledger.keyRing.unwrap(user.totp_enc).toString(), code) : null;
    if (step === null) return this.recordFailure(user.id, now);
    const row = this.ledger
      .sql(
        'UPDATE users SET totp_last_step = @step WHERE id = @id AND locked_until <= @now AND totp_last_step < @step AND disabled = 0 RETURNING *',
      )
      .get({ id: user.id, now, step }) as UserRow | undefined;
    if (row) return { ok: true, user: row };
    // Both factors were right, so saying why it still failed tells a guesser nothing. A lock is
    // neither counted against nor extended by such an attempt (nor is its code spent).
    const lockedUntil = this.byId(user.id)?.locked_until ?? 0;
    if (lockedUntil > now) return { ok: false, locked: true, because: 'locked', lockedUntil };
    // The code was used already (a replay, or a second click): that still counts as a failure.
    const failure = this.recordFailure(user.id, now);
    return { ok: false, locked: failure.locked, because: 'replayed' };
  }

  private recordFailure(id: number, now: number): { ok: false; locked: boolean; because: 'failed' } {
    const counted = 'CASE WHEN fail_window_start > @since THEN failed_logins + 1 ELSE 1 END';
    const row = this.ledger
      .sql(
        `UPDATE users SET
           failed_logins = CASE WHEN ${counted} >= @max THEN 0 ELSE ${counted} END,
           fail_window_start = CASE WHEN fail_window_start > @since THEN fail_window_start ELSE @now END,
           locked_until = CASE WHEN ${counted} >= @max THEN @lockedUntil ELSE locked_until END
         WHERE id = @id AND locked_until <= @now
         RETURNING locked_until`,
      )
      .get({
        id,
        now,
        since: now - FAILURE_WINDOW_MS,
        max: MAX_FAILED_LOGINS,
        lockedUntil: now + LOCK_MS,
      }) as { locked_until: number } | undefined;
    // No row: the account is locked already; attempts during a lock neither count nor extend it.
    return { ok: false, locked: !row || row.locked_until > now, because: 'failed' };
  }
}
