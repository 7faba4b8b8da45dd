import crypto from 'node:crypto';
import type { Logger } from 'pino';
import { formatCheckpoint, openCheckpoint, signNote, type CheckpointBody } from '../crypto/signed-note';
import { checkpointKey, parseCheckpointKey, type CheckpointStore } from '../storage/checkpoint-store';
import type { Ledger } from './ledger';

/** A checkpoint as the ledger keeps it: the note exactly as published. */
export interface CheckpointRow {
  epoch: number;
  size: number;
  origin: string;
  root: string;
  note: string;
  signed_at: string;
  published_at: string | null;
}

export interface IncidentRow {
  id: number;
  detected_at: string;
  epoch: number;
  checkpoint_size: number;
  ledger_size: number;
  reason: string;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
}

export interface CheckpointOptions {
  ledger: Ledger;
  store: CheckpointStore;
  /** The log's name: a schema-less URL, e.g. `ivr.example.com/consent-ledger`. */
  origin: string;
  log: Logger;
  clock?: () => Date;
  /** A new checkpoint is signed at most this often (and within a minute of any event). */
  minGapMs?: number;
}

/** Signing at most every 45 s and looking every 10 s covers every event within 55 s. */
export const DEFAULT_MIN_GAP_MS = 45_000;
export const TICK_MS = 10_000;

/** The public keys a checkpoint of this log may be signed with (rotated ones stay valid). */
export function checkpointPublicKeys(ledger: Ledger): crypto.KeyObject[] {
  return ledger.signingKeys
    .publicKeys()
    .filter((k) => k.use === 'checkpoint')
    .map((k) => crypto.createPublicKey(k.publicKeyPem));
}

export function openWithAny(
  note: string,
  keys: crypto.KeyObject[],
): (CheckpointBody & { keyName: string }) | null {
  for (const key of keys) {
    const opened = openCheckpoint(note, key);
    if (opened) return opened;
  }
  return null;
}

/**
 * Signed checkpoints of the event log (C2SP tlog-checkpoint), their copies in the bucket, and the
 * rollback check against them. Every decision reads the ledger inside `BEGIN IMMEDIATE`, so with
 * several processes exactly one signs a given size; nothing here lives only in memory but the cursor
 * into the bucket listing. An unacknowledged incident stops all signing, in every process.
 */
export class Checkpoints {
  private readonly clock: () => Date;
  private readonly minGapMs: number;
  private bucketCursor: string | undefined;
  /** Set once the bucket was read: before that, nothing is signed (it could contradict it). */
  private bucketChecked = false;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly o: CheckpointOptions) {
    this.clock = o.clock ?? (() => new Date());
    this.minGapMs = o.minGapMs ?? DEFAULT_MIN_GAP_MS;
  }

  get store(): CheckpointStore {
    return this.o.store;
  }

  private get db() {
    return this.o.ledger.db;
  }

  /** 1, and one more after each acknowledged incident: a new epoch is a new log with its own origin. */
  epoch(): number {
    const last = this.db
      .prepare('SELECT MAX(epoch) FROM ledger_incidents WHERE acknowledged_at IS NOT NULL')
      .pluck()
      .get() as number | null;
    return (last ?? 0) + 1;
  }

  /** An epoch keeps the origin it first signed under, even if the public URL changes later. */
  origin(epoch = this.epoch()): string {
    return this.latest(epoch)?.origin ?? (epoch === 1 ? this.o.origin : `${this.o.origin}/epoch-${epoch}`);
  }

  openIncident(): IncidentRow | null {
    return (
      (this.db
        .prepare('SELECT * FROM ledger_incidents WHERE acknowledged_at IS NULL ORDER BY id LIMIT 1')
        .get() as IncidentRow | undefined) ?? null
    );
  }

  /** What `/healthz` reports as `ledger`. */
  status(): string {
    const incident = this.openIncident();
    return incident ? `inconsistent with checkpoint ${incident.checkpoint_size}` : 'ok';
  }

  latest(epoch = this.epoch()): CheckpointRow | null {
    return (
      (this.db.prepare('SELECT * FROM checkpoints WHERE epoch = ? ORDER BY size DESC LIMIT 1').get(epoch) as
        CheckpointRow | undefined) ?? null
    );
  }

  latestNote(): string | null {
    return this.latest()?.note ?? null;
  }

  /** Records that the ledger contradicts a published checkpoint (once per checkpoint). */
  private recordIncident(epoch: number, checkpointSize: number, reason: string): void {
    const ledgerSize = this.o.ledger.merkle.size();
    const added = this.db
      .transaction(() => {
        const known = this.db
          .prepare(
            'SELECT 1 FROM ledger_incidents WHERE acknowledged_at IS NULL AND epoch = ? AND checkpoint_size = ?',
          )
          .get(epoch, checkpointSize);
        if (known) return false;
        this.db
          .prepare(
            'INSERT INTO ledger_incidents (detected_at, epoch, checkpoint_size, ledger_size, reason) VALUES (?, ?, ?, ?, ?)',
          )
          .run(this.clock().toISOString(), epoch, checkpointSize, ledgerSize, reason);
        return true;
      })
      .immediate();
    if (added)
      this.o.log.error(
        { epoch, checkpoint: checkpointSize, ledgerSize },
        `ledger inconsistent with checkpoint ${checkpointSize}: ${reason}; no checkpoint is signed until an admin acknowledges it in the portal`,
      );
  }

  /** Whether the stored tree holds a signed checkpoint as a prefix (O(log n) from the stored subtrees). */
  private contradiction(cp: CheckpointBody): string | null {
    const size = this.o.ledger.merkle.size();
    if (cp.size > size)
      return `the ledger holds ${size} events but checkpoint ${cp.size} was published: events ${size + 1} to ${cp.size} are missing`;
    if (!this.o.ledger.merkle.root(cp.size).equals(cp.root))
      return `the ledger's first ${cp.size} events are not the history checkpoint ${cp.size} signed`;
    return null;
  }

  /**
   * Reads the bucket's checkpoints not seen yet and checks the newest of each epoch against the
   * ledger. A later epoch than the ledger's own means the ledger predates an acknowledged incident.
   */
  async checkBucket(): Promise<void> {
    const keys = (await this.o.store.list(this.bucketCursor))
      .map((key) => ({ key, at: parseCheckpointKey(key) }))
      .filter((k): k is { key: string; at: { epoch: number; size: number } } => k.at !== null);
    const epoch = this.epoch();
    const newest = keys.filter((k) => k.at.epoch === epoch).pop();
    const later = keys.filter((k) => k.at.epoch > epoch).pop();
    if (later)
      this.recordIncident(
        epoch,
        later.at.size,
        `the bucket holds checkpoints of epoch ${later.at.epoch}, and this ledger is at epoch ${epoch} (an older copy)`,
      );
    if (newest) {
      const note = await this.o.store.get(newest.key);
      const cp = note ? openWithAny(note, checkpointPublicKeys(this.o.ledger)) : null;
      if (!cp)
        this.o.log.error({ key: newest.key }, 'a checkpoint in the bucket does not verify with the log key');
      else {
        const problem = this.contradiction(cp);
        if (problem) this.recordIncident(epoch, cp.size, problem);
      }
    }
    const last = keys[keys.length - 1];
    if (last) this.bucketCursor = last.key;
    this.bucketChecked = true;
  }

  /**
   * Signs the current tree if it grew and the last checkpoint is old enough (or `force`). Refuses
   * while an incident is open, and whenever the tree does not extend the last checkpoint it signed.
   */
  signIfDue(force = false): CheckpointRow | null {
    if (!this.bucketChecked) return null;
    const now = this.clock();
    type Outcome =
      { row: CheckpointRow | null } | { problem: { epoch: number; size: number; reason: string } };
    const outcome = this.db
      .transaction((): Outcome => {
        if (this.openIncident()) return { row: null };
        const epoch = this.epoch();
        const size = this.o.ledger.merkle.size();
        const last = this.latest(epoch);
        if (last) {
          const lastBody = { origin: last.origin, size: last.size, root: Buffer.from(last.root, 'base64') };
          const reason = this.contradiction(lastBody);
          if (reason) return { problem: { epoch, size: last.size, reason } };
          if (last.size === size) return { row: null };
          if (!force && now.getTime() - Date.parse(last.signed_at) < this.minGapMs) return { row: null };
        }
        const origin = this.origin(epoch);
        const root = this.o.ledger.merkle.root(size);
        const body = formatCheckpoint({ origin, size, root });
        const note = signNote(body, origin, this.o.ledger.signingKeys.signingKey('checkpoint').privateKey);
        const row: CheckpointRow = {
          epoch,
          size,
          origin,
          root: root.toString('base64'),
          note,
          signed_at: now.toISOString(),
          published_at: null,
        };
        this.db
          .prepare(
            'INSERT INTO checkpoints (epoch, size, origin, root, note, signed_at) VALUES (@epoch, @size, @origin, @root, @note, @signed_at)',
          )
          .run(row);
        return { row };
      })
      .immediate();
    if ('problem' in outcome) {
      this.recordIncident(outcome.problem.epoch, outcome.problem.size, outcome.problem.reason);
      return null;
    }
    return outcome.row;
  }

  /** Copies every signed checkpoint not yet in the bucket; a failure is retried on the next tick. */
  async publishPending(): Promise<number> {
    const rows = this.db
      .prepare('SELECT * FROM checkpoints WHERE published_at IS NULL ORDER BY epoch, size')
      .all() as CheckpointRow[];
    for (const row of rows) {
      await this.o.store.putOnce(checkpointKey(row.epoch, row.size), row.note);
      this.db
        .prepare('UPDATE checkpoints SET published_at = ? WHERE epoch = ? AND size = ?')
        .run(this.clock().toISOString(), row.epoch, row.size);
    }
    return rows.length;
  }

  /** One round: read the bucket, sign if due, publish. Rounds never overlap. */
  tick(force = false): Promise<void> {
    this.running ??= (async () => {
      try {
        await this.checkBucket();
        this.signIfDue(force);
        await this.publishPending();
      } catch (error) {
        this.o.log.warn({ err: error }, 'checkpoint round failed; the next one retries');
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** The start-up check (and a first checkpoint), then a round every `intervalMs`. */
  async start(intervalMs = TICK_MS): Promise<void> {
    await this.tick(true);
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /**
   * An admin has looked at the incident: it is closed, the acknowledgement is logged as an event,
   * and signing resumes as a new epoch (a new origin), so that nothing signed contradicts the old one.
   */
  acknowledge(by: string, note: string): IncidentRow[] {
    const at = this.clock();
    return this.db
      .transaction(() => {
        const open = this.db
          .prepare('SELECT * FROM ledger_incidents WHERE acknowledged_at IS NULL ORDER BY id')
          .all() as IncidentRow[];
        if (open.length === 0) return [];
        this.db
          .prepare(
            'UPDATE ledger_incidents SET acknowledged_by = ?, acknowledged_at = ? WHERE acknowledged_at IS NULL',
          )
          .run(by, at.toISOString());
        this.o.ledger.append([
          {
            type: 'ledger_incident_acknowledged',
            at,
            data: {
              by,
              note,
              incidents: open.map((i) => ({
                epoch: i.epoch,
                checkpoint: i.checkpoint_size,
                ledgerSize: i.ledger_size,
              })),
              nextEpoch: this.epoch(),
            },
          },
        ]);
        return open;
      })
      .immediate();
  }
}
