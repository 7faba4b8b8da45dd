import crypto from 'node:crypto';
import type { Statement } from './driver';
import { openField, sealField, type KeyRing } from '../crypto/keyring';
import type { Db } from './database';

export interface StoredSecret {
  value: Buffer;
  public: string | null;
}

/**
 * Secrets the service makes for itself (HMAC roots, signing keys), kept in the ledger's `secrets`
 * table: each sealed with a data key of its own that the key ring wraps, so `consent keys rotate`
 * re-wraps one small blob per secret. Made on first use; two processes racing to make one agree
 * on whichever row landed first.
 */
export class LedgerSecrets {
  private readonly getRow: Statement;
  private readonly insertRow: Statement;
  private readonly listNames: Statement;

  constructor(
    db: Db,
    private readonly keyRing: KeyRing,
  ) {
    this.getRow = db.prepare('SELECT wrapped_key, sealed, public FROM secrets WHERE name = ?');
    this.insertRow = db.prepare(
      'INSERT INTO secrets (name, wrapped_key, sealed, public) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO NOTHING',
    );
    this.listNames = db
      .prepare('SELECT name FROM secrets WHERE name >= ? AND name < ? ORDER BY name')
      .pluck();
  }

  /** The secret `name`, made with `create` when it does not exist yet. */
  get(name: string, create: () => { value: Buffer; public?: string }): StoredSecret {
    const existing = this.read(name);
    if (existing) return existing;
    this.add(name, create());
    const made = this.read(name);
    if (!made) throw new Error(`secret ${name} vanished after insert`);
    return made;
  }

  /** The secret `name`, or null when it was never made. */
  read(name: string): StoredSecret | null {
    const row = this.getRow.get(name) as
      { wrapped_key: string; sealed: string; public: string | null } | undefined;
    if (!row) return null;
    const dataKey = this.keyRing.unwrap(row.wrapped_key);
    return { value: Buffer.from(openField(dataKey, row.sealed), 'base64'), public: row.public };
  }

  /** Adds a secret; false when one of that name exists already (it is left as it was). */
  add(name: string, made: { value: Buffer; public?: string }): boolean {
    const dataKey = crypto.randomBytes(32);
    return (
      this.insertRow.run(
        name,
        this.keyRing.wrap(dataKey),
        sealField(dataKey, made.value.toString('base64')),
        made.public ?? null,
      ).changes === 1
    );
  }

  /** Names that start with `prefix`, in order. */
  names(prefix: string): string[] {
    return this.listNames.all(prefix, `${prefix}\uffff`) as string[];
  }
}
