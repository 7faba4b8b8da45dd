import crypto from 'node:crypto';
import type { Ledger } from '../ledger';

export const IDLE_MS = 15 * 60_000;
export const ABSOLUTE_MS = 8 * 60 * 60_000;

export interface SessionRow {
  id_hash: string;
  user_id: number;
  csrf: string;
  created_at: number;
  last_seen: number;
  reason: string | null;
  ip: string | null;
}

const sha256 = (s: string): string => crypto.createHash('sha256').update(s).digest('hex');
const token = (): string => crypto.randomBytes(32).toString('base64url');

/** Server-side sessions: the cookie holds a random token, the database only its hash. */
export class SessionStore {
  constructor(
    private readonly ledger: Ledger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  create(userId: number, ip: string | null): { cookie: string; session: SessionRow } {
    const cookie = token();
    const t = this.now().getTime();
    const session: SessionRow = {
      id_hash: sha256(cookie),
      user_id: userId,
      csrf: token(),
      created_at: t,
      last_seen: t,
      reason: null,
      ip,
    };
    this.ledger
      .sql(
        'INSERT INTO sessions (id_hash, user_id, csrf, created_at, last_seen, reason, ip) VALUES (@id_hash, @user_id, @csrf, @created_at, @last_seen, @reason, @ip)',
      )
      .run(session);
    return { cookie, session };
  }

  /** Looks the session up and slides its idle timer; expired sessions are deleted on sight. */
  touch(cookie: string): SessionRow | null {
    const idHash = sha256(cookie);
    const row = this.ledger.sql('SELECT * FROM sessions WHERE id_hash = ?').get(idHash) as
      SessionRow | undefined;
    if (!row) return null;
    const t = this.now().getTime();
    if (t - row.last_seen > IDLE_MS || t - row.created_at > ABSOLUTE_MS) {
      this.destroy(cookie);
      return null;
    }
    this.ledger.sql('UPDATE sessions SET last_seen = ? WHERE id_hash = ?').run(t, idHash);
    return { ...row, last_seen: t };
  }

  setReason(idHash: string, reason: string): void {
    this.ledger.sql('UPDATE sessions SET reason = ? WHERE id_hash = ?').run(reason, idHash);
  }

  destroy(cookie: string): void {
    this.ledger.sql('DELETE FROM sessions WHERE id_hash = ?').run(sha256(cookie));
  }

  /** Signs a user out everywhere (disabled, or given another role). */
  destroyAllOf(userId: number): void {
    this.ledger.sql('DELETE FROM sessions WHERE user_id = ?').run(userId);
  }
}

export interface ApiTokenRow {
  id: number;
  user_id: number;
  name: string;
  created_at: string;
  expires_at: number;
  last_used_at: string | null;
  revoked_at: string | null;
}

export type ApiTokenListing = ApiTokenRow & { email: string; kind: string; created_by_email: string | null };

/**
 * Bearer tokens for the JSON API: shown once at creation, stored as a hash, bound to one user and
 * role, and expiring. The routes decide who may mint for whom (oneself, or a service account).
 */
export class ApiTokenStore {
  constructor(
    private readonly ledger: Ledger,
    private readonly now: () => Date = () => new Date(),
    private readonly ttlMs = 90 * 86_400_000,
  ) {}

  create(userId: number, name: string, createdBy: number): { secret: string; id: number; expiresAt: number } {
    const secret = `cgt_${token()}`;
    const expiresAt = this.now().getTime() + this.ttlMs;
    const made = this.ledger
      .sql(
        'INSERT INTO api_tokens (token_hash, user_id, name, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id',
      )
      .get(sha256(secret), userId, name, createdBy, this.now().toISOString(), expiresAt) as { id: number };
    return { secret, id: made.id, expiresAt };
  }

  /** The token's owner, when the token is neither revoked nor expired. */
  find(secret: string): { userId: number; tokenId: number } | null {
    const row = this.ledger
      .sql(
        'SELECT id, user_id FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ?',
      )
      .get(sha256(secret), this.now().getTime()) as { id: number; user_id: number } | undefined;
    if (!row) return null;
    this.ledger
      .sql('UPDATE api_tokens SET last_used_at = ? WHERE id = ?')
      .run(this.now().toISOString(), row.id);
    return { userId: row.user_id, tokenId: row.id };
  }

  get(id: number): ApiTokenRow | undefined {
    return this.ledger
      .sql(
        'SELECT id, user_id, name, created_at, expires_at, last_used_at, revoked_at FROM api_tokens WHERE id = ?',
      )
      .get(id) as ApiTokenRow | undefined;
  }

  /** Every token, or only those a user holds or made (what a non-admin sees). */
  list(forUser?: number): ApiTokenListing[] {
    const rows = this.ledger
      .sql(
        `SELECT t.id, t.user_id, t.name, t.created_at, t.expires_at, t.last_used_at, t.revoked_at, u.email, u.kind,
                c.email AS created_by_email
         FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN users c ON c.id = t.created_by
         WHERE CAST(@user AS INTEGER) IS NULL OR t.user_id = @user OR t.created_by = @user ORDER BY t.id`,
      )
      .all({ user: forUser ?? null }) as ApiTokenListing[];
    return rows;
  }

  revoke(id: number): boolean {
    return (
      this.ledger
        .sql('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
        .run(this.now().toISOString(), id).changes === 1
    );
  }

  revokeAllOf(userId: number): number {
    return this.ledger
      .sql('UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL')
      .run(this.now().toISOString(), userId).changes;
  }
}
