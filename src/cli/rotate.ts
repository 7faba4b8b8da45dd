import { binaryLike, textColumns } from '../ledger/schema-info';
import type { Ledger } from '../ledger';
import { wrappedKeyId } from '../crypto/keyring';
import { SIGNING_KEY_RECHECK_MS, SIGNING_USES, type SigningUse } from '../crypto/signing-keys';

/** Append-only tables: a wrapped key there could not be re-wrapped (none is kept there by design). */
const APPEND_ONLY = new Set(['events', 'access_log']);
/** What a key-ring wrapping looks like (`v1:<keyId>:<iv>:<tag>:<ciphertext>`), for a first filter in SQL. */
const WRAPPED_LIKE = 'v1:%:%:%:%';

export interface RotationResult {
  rewrapped: number;
  /** Per table.column, how many values were re-wrapped. */
  byColumn: Record<string, number>;
  /** Key ids some stored value still needs (empty: every other ring entry can be dropped). */
  stillNeeded: string[];
}

interface Column {
  table: string;
  column: string;
  /** The table's key-id column to keep in step (clips.key_id). */
  keyIdColumn: string | null;
}

/**
 * Every column of every table that holds a value wrapped by the key ring: found by looking, not by
 * a list, so a secret some later feature wraps (clip data keys, per-caller keys, ledger secrets,
 * TOTP secrets of portal users, ...) is never skipped.
 */
function wrappedColumns(ledger: Ledger): Column[] {
  const out: Column[] = [];
  for (const { table, column, siblings } of textColumns(ledger.db)) {
    const holds = ledger.db
      .prepare(`SELECT 1 FROM "${table}" WHERE "${column}" ${binaryLike(ledger.db)} ? LIMIT 1`)
      .get(WRAPPED_LIKE);
    if (!holds) continue;
    out.push({
      table,
      column,
      keyIdColumn: column === 'wrapped_key' && siblings.has('key_id') ? 'key_id' : null,
    });
  }
  return out;
}

function keyIdOf(value: string): string | null {
  try {
    return wrappedKeyId(value);
  } catch {
    return null;
  }
}

/**
 * Re-wraps every wrapped secret under the active key, without touching the audio objects, in one
 * transaction; afterwards every other ring entry can be dropped (the result says if one cannot).
 */
export function rotateKeys(ledger: Ledger): RotationResult {
  const ring = ledger.keyRing;
  const active = ring.active.id;
  const byColumn: Record<string, number> = {};
  let rewrapped = 0;
  ledger.transaction(() => {
    for (const col of wrappedColumns(ledger)) {
      if (APPEND_ONLY.has(col.table)) continue;
      const values = ledger.db
        .prepare(
          `SELECT DISTINCT "${col.column}" FROM "${col.table}" WHERE "${col.column}" ${binaryLike(ledger.db)} ?`,
        )
        .pluck()
        .all(WRAPPED_LIKE) as string[];
      // A wrapped value is random ciphertext: it names its row(s) on either engine, no rowid needed.
      const update = ledger.db.prepare(
        `UPDATE "${col.table}" SET "${col.column}" = ?${col.keyIdColumn ? `, "${col.keyIdColumn}" = ?` : ''} WHERE "${col.column}" = ?`,
      );
      for (const value of values) {
        const id = keyIdOf(value);
        if (id === null || id === active) continue;
        const fresh = ring.wrap(ring.unwrap(value));
        const rows = (col.keyIdColumn ? update.run(fresh, active, value) : update.run(fresh, value)).changes;
        const name = `${col.table}.${col.column}`;
        byColumn[name] = (byColumn[name] ?? 0) + rows;
        rewrapped += rows;
      }
    }
    ledger.append([{ type: 'keys_rotated', at: new Date(), data: { active, rewrapped, byColumn } }]);
  });
  const needed = new Set<string>();
  for (const col of wrappedColumns(ledger))
    for (const value of ledger.db
      .prepare(`SELECT "${col.column}" FROM "${col.table}" WHERE "${col.column}" ${binaryLike(ledger.db)} ?`)
      .pluck()
      .all(WRAPPED_LIKE) as string[]) {
      const id = keyIdOf(value);
      if (id !== null && id !== active) needed.add(id);
    }
  return { rewrapped, byColumn, stillNeeded: [...needed] };
}

/** `all`, or one use by name; anything else is a usage error (null). */
export function signingUsesOf(args: string[]): SigningUse[] | null {
  if (args.length !== 1) return null;
  const [use] = args;
  if (use === 'all') return [...SIGNING_USES];
  const found = SIGNING_USES.find((u) => u === use);
  return found ? [found] : null;
}

/**
 * A new generation of each signing key named, in one transaction. The old keys stay published
 * (what they signed stays verifiable); running instances sign with the new ones within the
 * recheck interval, without a restart.
 */
export function rotateSigning(ledger: Ledger, uses: SigningUse[]): string {
  const made = ledger.transaction(() => uses.map((use) => ledger.signingKeys.rotate(use).keyId));
  return (
    `${made.map((id) => `new signing key ${id}`).join('\n')}\n` +
    `running instances sign with it within ${SIGNING_KEY_RECHECK_MS / 1000} s; the keys before it stay ` +
    `published by \`consent keys public\` and still verify what they signed\n`
  );
}
