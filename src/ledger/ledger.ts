import crypto from 'node:crypto';
import { deriveKey, type DerivedKeyUse } from '../crypto/derived-keys';
import type { KeyRing } from '../crypto/keyring';
import { SigningKeys, type SigningUse } from '../crypto/signing-keys';
import { verifyRows, type ChainedRow, type ChainVerdict } from './chain';
import { openDatabase } from './database';
import type { DatabaseLocation, Db, Statement } from './driver';
import { GroupCommit } from './group-commit';
import { appendToChain, type ChainHead } from './event-log';
import { MerkleLog } from './merkle-log';
import { bindRecords } from './record-bindings';
import { LedgerSecrets } from './secrets';
import { SubjectKeys } from './subject-keys';
import { isWithheldNumber, newConsentId, normalizeNumber, noticeIdOf } from './identifiers';
import {
  CALL_FIELDS,
  type BatchOutcome,
  type CallRow,
  type CallUpdate,
  type ClipRow,
  type ConsentRow,
  type NewCall,
  type NewConsent,
  type NewEvent,
} from './rows';

/**
 * The consent ledger: the only store, and the source of truth. Every write that belongs together
 * (an event, the row it changes, the job it causes) happens in one transaction, on SQLite or on
 * PostgreSQL (see driver.ts); nothing cached here decides anything another instance could change.
 */
export class Ledger {
  readonly db: Db;
  /** The event log as a Merkle tree (roots and proofs for checkpoints and exports). */
  readonly merkle: MerkleLog;
  private lookupKeyCache: Buffer | null = null;
  private readonly derivedKeys = new Map<DerivedKeyUse, Buffer>();
  readonly secrets: LedgerSecrets;
  /** One Ed25519 key per use (consent tokens, exports, certificates, checkpoints). */
  readonly signingKeys: SigningKeys;
  private readonly subjects: SubjectKeys;
  /** Notices known to be stored: content-addressed rows are never changed or removed. */
  private readonly noticeCache = new Set<string>();
  private readonly group: GroupCommit;

  constructor(
    /** A SQLite file path or a postgres:// URL (see openLedger in ./open). */
    readonly location: DatabaseLocation,
    readonly keyRing: KeyRing,
  ) {
    this.db = openDatabase(location);
    this.merkle = new MerkleLog(this.db);
    this.merkle.backfill();
    // IMMEDIATE: the write lock is taken before the first read (see writeTransaction).
    this.tx = this.db.transaction((fn: () => unknown) => {
      this.txDepth += 1;
      try {
        const value = fn();
        this.bindTouched();
        return value;
      } catch (error) {
        this.chain.head = null; // a savepoint rolled back may have taken appended events with it
        throw error;
      } finally {
        if (--this.txDepth === 0) this.chain.head = null;
      }
    }).immediate;
    this.secrets = new LedgerSecrets(this.db, keyRing);
    this.signingKeys = new SigningKeys(this.secrets);
    const inOwnTransaction = (): boolean => this.txDepth > 0;
    this.subjects = new SubjectKeys((t) => this.sql(t), keyRing, inOwnTransaction);
    this.group = new GroupCommit(this.tx, () => this.forgetUncommitted());
  }

  close(): void {
    this.db.close();
  }

  private readonly statements = new Map<string, Statement>();

  /** Prepared statements, compiled once per SQL text: compiling costs more than running. */
  sql(text: string): Statement {
    let stmt = this.statements.get(text);
    if (!stmt) {
      stmt = this.db.prepare(text);
      this.statements.set(text, stmt);
    }
    return stmt;
  }

  /** One wrapper, made once: better-sqlite3 builds a new one per db.transaction() call. Nested calls become savepoints. */
  private readonly tx: (fn: () => unknown) => unknown;

  /** Runs fn inside the open transaction, or in a new one when none is open (no savepoint needed). */
  private inTransaction(fn: () => void): void {
    if (this.db.inTransaction) fn();
    else this.tx(fn);
  }

  transaction<T>(fn: () => T): T {
    return this.tx(fn) as T;
  }

  /**
   * Group commit (see GroupCommit): the promise settles after the commit, so no webhook answers
   * before its events are in the ledger.
   */
  commit<T>(fn: () => T): Promise<T> {
    return this.group.commit(fn);
  }

  runBatch(fns: Array<() => unknown>): BatchOutcome[] {
    return this.group.runBatch(fns);
  }

  /** After a rollback, what was cached as stored may not be: the next use reads the ledger again. */
  private forgetUncommitted(): void {
    this.noticeCache.clear();
    this.lookupKeyCache = null;
    this.derivedKeys.clear();
    this.signingKeys.forget();
    this.merkle.forget();
    this.touched.clear();
    this.chain.head = null;
  }

  /** Consents an event of the open transaction is about: their rows are bound into the log before it commits. */
  private readonly touched = new Set<string>();
  private txDepth = 0;
  private readonly chain: { head: ChainHead | null } = { head: null };

  /** A consent's or its clip's row changed: its record entry is appended before the commit. */
  touch(consentId: string): void {
    this.touched.add(consentId);
    if (this.txDepth === 0) this.bindTouched();
  }

  private bindTouched(): void {
    if (this.touched.size === 0) return;
    const ids = [...this.touched];
    this.touched.clear();
    bindRecords(this, ids, new Date());
  }

  // ---- secrets kept in the ledger, wrapped by the key ring (see LedgerSecrets) ----

  /** The keyed hash that lets us find a caller's consents without storing the number in clear. */
  callerHash(number: string): string {
    this.lookupKeyCache ??= this.secrets.get('lookup_hmac', () => ({ value: crypto.randomBytes(32) })).value;
    return crypto.createHmac('sha256', this.lookupKeyCache).update(normalizeNumber(number)).digest('hex');
  }

  /** A symmetric key of one use, derived from the ledger's HKDF root (see derived-keys). */
  derivedKey(use: DerivedKeyUse): Buffer {
    let key = this.derivedKeys.get(use);
    if (!key) {
      key = deriveKey(this.secrets.get('hkdf_root', () => ({ value: crypto.randomBytes(32) })).value, use);
      this.derivedKeys.set(use, key);
    }
    return key;
  }

  signingKey(use: SigningUse): crypto.KeyObject {
    return this.signingKeys.signingKey(use).privateKey;
  }

  /** The key that verifies evidence exports: what the portal shows beside them. */
  publicKeyPem(): string {
    return this.signingKeys.signingKey('export').publicKeyPem;
  }

  /** The caller's own key (see SubjectKeys): made when `create`, null once shredded. */
  subjectKey(subjectHash: string, create: boolean): Buffer | null {
    return this.subjects.key(subjectHash, create);
  }

  sealFor(subjectHash: string | null, value: string | null | undefined): string | null {
    return this.subjects.seal(subjectHash, value);
  }

  /** Returns null when the subject's key was shredded: the data is gone by design. */
  openFor(subjectHash: string | null, sealed: string | null): string | null {
    return this.subjects.open(subjectHash, sealed);
  }

  shredSubject(subjectHash: string, at: Date): void {
    this.subjects.shred(subjectHash, at);
  }

  // ---- events ----

  append(events: NewEvent[]): void {
    if (events.length === 0) return;
    this.inTransaction(() =>
      appendToChain(
        (text) => this.sql(text),
        this.merkle,
        events,
        (id) => this.touched.add(id),
        this.txDepth > 0 ? this.chain : undefined, // only in its own transaction is its head the head
      ),
    );
    // Inside a transaction someone else opened, bind now: nothing here sees its commit.
    if (this.txDepth === 0) this.bindTouched();
  }

  eventsForCall(callSid: string): ChainedRow[] {
    return this.sql('SELECT * FROM events WHERE call_sid = ? ORDER BY seq').all(callSid) as ChainedRow[];
  }

  verifyChain(): ChainVerdict {
    return verifyRows(this.sql('SELECT * FROM events ORDER BY seq').iterate() as Iterable<ChainedRow>);
  }

  // ---- notices ----

  /** Stores the exact text (or audio reference) a caller heard, addressed by its hash. */
  notice(locale: string, kind: 'text' | 'audio', content: string): string {
    return this.storeNotice({ id: noticeIdOf(locale, kind, content), locale, kind, content });
  }

  /** As `notice`, for a caller that already hashed the content (once per deploy, not per call). */
  storeNotice(n: { id: string; locale: string; kind: 'text' | 'audio'; content: string }): string {
    if (!this.noticeCache.has(n.id)) {
      this.sql(
        'INSERT INTO notices (id, locale, kind, content, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING',
      ).run(n.id, n.locale, n.kind, n.content, new Date().toISOString());
      this.noticeCache.add(n.id);
    }
    return n.id;
  }

  getNotice(
    id: string,
  ): { id: string; locale: string; kind: string; content: string; created_at: string } | undefined {
    return this.sql('SELECT * FROM notices WHERE id = ?').get(id) as
      { id: string; locale: string; kind: string; content: string; created_at: string } | undefined;
  }

  // ---- calls ----

  /** Idempotent: Twilio retries webhooks, and a retry must not create a second call. */
  startCall(c: NewCall): boolean {
    const from = c.from && !isWithheldNumber(c.from) ? c.from : null;
    const callerHash = from ? this.callerHash(from) : null;
    const result = this.sql(
      `INSERT INTO calls (call_sid, created_at, updated_at, locale, caller_hash, caller_enc, called, country)
       VALUES (@call_sid, @at, @at, @locale, @caller_hash, @caller_enc, @called, @country) ON CONFLICT(call_sid) DO NOTHING`,
    ).run({
      call_sid: c.callSid,
      at: c.at.toISOString(),
      locale: c.locale,
      caller_hash: callerHash,
      caller_enc: this.sealFor(callerHash, from ? normalizeNumber(from) : null),
      called: c.called,
      country: c.country,
    });
    return result.changes === 1;
  }

  getCall(callSid: string): CallRow | undefined {
    return this.sql('SELECT * FROM calls WHERE call_sid = ?').get(callSid) as CallRow | undefined;
  }

  updateCall(callSid: string, fields: CallUpdate, at: Date): void {
    const keys = Object.keys(fields).filter((k) => CALL_FIELDS.has(k));
    if (keys.length === 0) return;
    const sets = keys.map((k) => `${k} = @${k}`).join(', ');
    this.sql(`UPDATE calls SET ${sets}, updated_at = @updated_at WHERE call_sid = @call_sid`).run({
      ...fields,
      updated_at: at.toISOString(),
      call_sid: callSid,
    });
  }

  callerNumber(call: Pick<CallRow, 'caller_hash' | 'caller_enc'>): string | null {
    return this.openFor(call.caller_hash, call.caller_enc);
  }

  // ---- consents ----

  createConsent(c: NewConsent): string {
    const id = newConsentId(c.at);
    this.sql(
      `INSERT INTO consents (id, call_sid, created_at, updated_at, caller_hash, caller_enc, locale, method, input_enc, confidence, notice_id, decision, purposes, status, clip_start_ms, clip_end_ms)
       VALUES (@id, @call_sid, @at, @at, @caller_hash, @caller_enc, @locale, @method, @input_enc, @confidence, @notice_id, @decision, @purposes, @status, @clip_start_ms, @clip_end_ms)`,
    ).run({
      id,
      call_sid: c.callSid,
      at: c.at.toISOString(),
      caller_hash: c.callerHash,
      caller_enc: c.callerEnc,
      locale: c.locale,
      method: c.method,
      input_enc: this.sealFor(c.callerHash, c.input),
      confidence: c.confidence,
      notice_id: c.noticeId,
      decision: c.decision,
      purposes: JSON.stringify(c.purposes),
      status: c.decision === 'granted' ? 'active' : 'declined',
      clip_start_ms: c.clipStartMs,
      clip_end_ms: c.clipEndMs,
    });
    return id;
  }

  getConsent(id: string): ConsentRow | undefined {
    return this.sql('SELECT * FROM consents WHERE id = ?').get(id) as ConsentRow | undefined;
  }

  consentsForCall(callSid: string): ConsentRow[] {
    return this.sql('SELECT * FROM consents WHERE call_sid = ? ORDER BY created_at').all(
      callSid,
    ) as ConsentRow[];
  }

  setConsentPurposes(
    id: string,
    purposes: Record<string, boolean>,
    clipEndMs: number | null,
    at: Date,
  ): void {
    this.sql(
      'UPDATE consents SET purposes = ?, clip_end_ms = COALESCE(?, clip_end_ms), updated_at = ? WHERE id = ?',
    ).run(JSON.stringify(purposes), clipEndMs, at.toISOString(), id);
    this.touch(id);
  }

  /** Withdraws every active consent of one caller; returns the IDs so their clips can be deleted. */
  withdrawCaller(callerHash: string, at: Date): string[] {
    const ids = this.sql("SELECT id FROM consents WHERE caller_hash = ? AND status = 'active'")
      .pluck()
      .all(callerHash) as string[];
    const update = this.sql(
      "UPDATE consents SET status = 'withdrawn', withdrawn_at = ?, updated_at = ? WHERE id = ?",
    );
    for (const id of ids) {
      update.run(at.toISOString(), at.toISOString(), id);
      this.touch(id);
    }
    return ids;
  }

  /** Withdraws one consent if it is active; true when it was. */
  withdrawConsent(id: string, at: Date): boolean {
    const changed =
      this.sql(
        "UPDATE consents SET status = 'withdrawn', withdrawn_at = ?, updated_at = ? WHERE id = ? AND status = 'active'",
      ).run(at.toISOString(), at.toISOString(), id).changes === 1;
    // The row changed: bind it into the log now, whether or not an event names this consent
    // (key 0 withdraws a caller's earlier consents under one event of the calling call).
    if (changed) this.touch(id);
    return changed;
  }

  // ---- clips and recordings ----

  getClip(consentId: string): ClipRow | undefined {
    return this.sql('SELECT * FROM clips WHERE consent_id = ?').get(consentId) as ClipRow | undefined;
  }

  upsertClip(
    row: Partial<ClipRow> & { consent_id: string; call_sid: string; status: ClipRow['status'] },
  ): void {
    const cols = Object.keys(row);
    const updates = cols.filter((c) => c !== 'consent_id').map((c) => `${c} = excluded.${c}`);
    this.sql(
      `INSERT INTO clips (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')}) ON CONFLICT(consent_id) DO UPDATE SET ${updates.join(', ')}`,
    ).run(row);
    this.touch(row.consent_id);
  }

  clipsForCall(callSid: string): ClipRow[] {
    return this.sql('SELECT * FROM clips WHERE call_sid = ?').all(callSid) as ClipRow[];
  }

  // ---- durable jobs (outbox) ----

  /** Written in the caller's transaction, so the work exists exactly when the event that causes it does. */
  enqueue(
    kind: string,
    payload: Record<string, unknown>,
    options: { dedupeKey?: string; runAt?: number } = {},
  ): void {
    const now = new Date();
    this.sql(
      "INSERT INTO jobs (kind, payload, dedupe_key, status, attempts, run_at, created_at, updated_at) VALUES (?, ?, ?, 'pending', 0, ?, ?, ?) ON CONFLICT(dedupe_key) DO NOTHING",
    ).run(
      kind,
      JSON.stringify(payload),
      options.dedupeKey ?? null,
      options.runAt ?? now.getTime(),
      now.toISOString(),
      now.toISOString(),
    );
  }
}
