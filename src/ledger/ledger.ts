import crypto from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { deriveKey, type DerivedKeyUse } from '../crypto/derived-keys';
import { KeyRing, openField, sealField } from '../crypto/keyring';
import { randomBytes } from '../crypto/random';
import { SigningKeys, type SigningUse } from '../crypto/signing-keys';
import { eventHash, GENESIS_HASH, verifyRows, type ChainedRow, type ChainVerdict } from './chain';
import { openDatabase, type Db } from './database';
import { MerkleLog, type LeafRow } from './merkle-log';
import { bindRecords, RECORD_EVENT } from './record-bindings';
import { LedgerSecrets } from './secrets';

import { isWithheldNumber, newConsentId, normalizeNumber, noticeIdOf } from './identifiers';
import type { BatchOutcome, CallRow, ClipRow, ConsentRow, Method, NewEvent } from './rows';

const CALL_FIELDS = new Set([
  'locale',
  'state',
  'outcome',
  'consent_id',
  'method',
  'routed_to',
  'recording_started_ms',
  'ended_at',
]);

/**
 * The consent ledger: the only store, and the source of truth. Every write that belongs together
 * (an event, the row it changes, the job it causes) happens in one SQLite transaction.
 */
export class Ledger {
  readonly db: Db;
  /** The event log as a Merkle tree (roots and proofs for checkpoints and exports). */
  readonly merkle: MerkleLog;
  private readonly stmts: Record<string, Statement>;
  private lookupKeyCache: Buffer | null = null;
  private readonly derivedKeys = new Map<DerivedKeyUse, Buffer>();
  readonly secrets: LedgerSecrets;
  /** One Ed25519 key per use (consent tokens, exports, certificates, checkpoints). */
  readonly signingKeys: SigningKeys;
  private readonly unwrappedKeys = new Map<string, Buffer>();
  private readonly noticeCache = new Set<string>();

  constructor(
    file: string,
    readonly keyRing: KeyRing,
  ) {
    this.db = openDatabase(file);
    this.merkle = new MerkleLog(this.db);
    this.merkle.backfill();
    // IMMEDIATE: the write lock is taken before the first read (see writeTransaction).
    this.tx = this.db.transaction((fn: () => unknown) => {
      this.txDepth += 1;
      try {
        const value = fn();
        this.bindTouched();
        return value;
      } finally {
        this.txDepth -= 1;
      }
    }).immediate;
    this.secrets = new LedgerSecrets(this.db, keyRing);
    this.signingKeys = new SigningKeys(this.secrets);
    const p = (sql: string): Statement => this.sql(sql);
    this.stmts = {
      lastHash: p('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1'),
      insertEvent: p(
        'INSERT INTO events (seq, call_sid, consent_id, type, at, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      getCall: p('SELECT * FROM calls WHERE call_sid = ?'),
      insertCall: p(
        `INSERT INTO calls (call_sid, created_at, updated_at, locale, caller_hash, caller_enc, called, country)
         VALUES (@call_sid, @at, @at, @locale, @caller_hash, @caller_enc, @called, @country) ON CONFLICT(call_sid) DO NOTHING`,
      ),
      insertNotice: p(
        'INSERT INTO notices (id, locale, kind, content, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING',
      ),
      getSubjectKey: p('SELECT wrapped_key FROM subject_keys WHERE subject_hash = ?'),
      insertSubjectKey: p(
        'INSERT INTO subject_keys (subject_hash, wrapped_key, created_at) VALUES (?, ?, ?) ON CONFLICT(subject_hash) DO NOTHING',
      ),
      insertConsent: p(
        `INSERT INTO consents (id, call_sid, created_at, updated_at, caller_hash, caller_enc, locale, method, input_enc, confidence, notice_id, decision, purposes, status, clip_start_ms, clip_end_ms)
         VALUES (@id, @call_sid, @at, @at, @caller_hash, @caller_enc, @locale, @method, @input_enc, @confidence, @notice_id, @decision, @purposes, @status, @clip_start_ms, @clip_end_ms)`,
      ),
      getConsent: p('SELECT * FROM consents WHERE id = ?'),
      consentsForCall: p('SELECT * FROM consents WHERE call_sid = ? ORDER BY created_at'),
      activeForCaller: p("SELECT id FROM consents WHERE caller_hash = ? AND status = 'active'"),
      insertJob: p(
        "INSERT INTO jobs (kind, payload, dedupe_key, status, attempts, run_at, created_at, updated_at) VALUES (?, ?, ?, 'pending', 0, ?, ?, ?) ON CONFLICT(dedupe_key) DO NOTHING",
      ),
      getClip: p('SELECT * FROM clips WHERE consent_id = ?'),
    };
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

  private pending: Array<{
    fn: () => unknown;
    resolve: (value: unknown) => void;
    reject: (error: unknown) => void;
  }> = [];
  private flushScheduled = false;

  /**
   * Group commit: writes from webhooks that arrive in the same event-loop turn share one SQLite
   * transaction (each in its own savepoint, so one failure rolls back only itself). The promise
   * settles after the commit, so no webhook answers before its events are in the ledger.
   */
  commit<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    const outcomes = this.runBatch(batch.map((item) => item.fn));
    batch.forEach((item, i) => {
      const r = outcomes[i];
      if (r?.ok) item.resolve(r.value);
      else item.reject(r?.error);
    });
  }

  /**
   * Runs writes in one transaction and one commit. Should one throw, the whole transaction rolls
   * back and each write runs again in a transaction of its own, so that one bad write fails alone.
   * Writes therefore touch only the ledger: running one twice after a rollback must be harmless.
   * (A savepoint per write would do the same, but costs about as much as the write itself.)
   */
  runBatch(fns: Array<() => unknown>): BatchOutcome[] {
    try {
      const values = this.tx(() => fns.map((fn) => fn())) as unknown[];
      return values.map((value) => ({ ok: true, value }));
    } catch (error) {
      this.forgetUncommitted();
      if (fns.length === 1) return [{ ok: false, error }];
    }
    return fns.map((fn): BatchOutcome => {
      try {
        return { ok: true, value: this.tx(fn) };
      } catch (error) {
        this.forgetUncommitted();
        return { ok: false, error };
      }
    });
  }

  /** After a rollback, what was cached as stored may not be: the next use reads the ledger again. */
  private forgetUncommitted(): void {
    this.noticeCache.clear();
    this.lookupKeyCache = null;
    this.derivedKeys.clear();
    this.signingKeys.forget();
    this.merkle.forget();
    this.touched.clear();
  }

  /** Consents an event of the open transaction is about: their rows are bound into the log before it commits. */
  private readonly touched = new Set<string>();
  private txDepth = 0;

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

  /**
   * Every personal field of one caller is sealed with that caller's own key: erasure destroys the key.
   * The row is read every time, because another process (the CLI, the writer thread) may have
   * shredded it; only the unwrapping, the costly part, is cached, by the wrapped value.
   */
  subjectKey(subjectHash: string, create: boolean): Buffer | null {
    const row = this.stmts.getSubjectKey!.get(subjectHash) as { wrapped_key: string | null } | undefined;
    if (!row) {
      if (!create) return null;
      const key = randomBytes(32);
      const wrapped = this.keyRing.wrap(key);
      this.stmts.insertSubjectKey!.run(subjectHash, wrapped, new Date().toISOString());
      this.rememberKey(wrapped, key);
      return key;
    }
    if (!row.wrapped_key) {
      if (!create) return null;
      // An erased caller who calls again starts afresh: a new key for new data; what the old key
      // sealed stays unreadable, and shredded_at keeps the date of the erasure.
      const key = randomBytes(32);
      const wrapped = this.keyRing.wrap(key);
      this.sql('UPDATE subject_keys SET wrapped_key = ?, created_at = ? WHERE subject_hash = ?').run(
        wrapped,
        new Date().toISOString(),
        subjectHash,
      );
      this.rememberKey(wrapped, key);
      return key;
    }
    let key = this.unwrappedKeys.get(row.wrapped_key);
    if (!key) {
      key = this.keyRing.unwrap(row.wrapped_key);
      this.rememberKey(row.wrapped_key, key);
    }
    return key;
  }

  private rememberKey(wrapped: string, key: Buffer): void {
    if (this.unwrappedKeys.size > 10_000) this.unwrappedKeys.clear();
    this.unwrappedKeys.set(wrapped, key);
  }

  sealFor(subjectHash: string | null, value: string | null | undefined): string | null {
    if (!subjectHash || value === null || value === undefined || value === '') return null;
    const key = this.subjectKey(subjectHash, true);
    return key ? sealField(key, value) : null;
  }

  /** Returns null when the subject's key was shredded: the data is gone by design. */
  openFor(subjectHash: string | null, sealed: string | null): string | null {
    if (!subjectHash || !sealed) return null;
    const key = this.subjectKey(subjectHash, false);
    if (!key) return null;
    try {
      return openField(key, sealed);
    } catch {
      // Sealed under a key since shredded (the caller was erased, then called again): gone by design.
      return null;
    }
  }

  shredSubject(subjectHash: string, at: Date): void {
    this.sql('UPDATE subject_keys SET wrapped_key = NULL, shredded_at = ? WHERE subject_hash = ?').run(
      at.toISOString(),
      subjectHash,
    );
  }

  // ---- events ----

  append(events: NewEvent[]): void {
    if (events.length === 0) return;
    this.inTransaction(() => {
      const last = this.stmts.lastHash!.get() as { seq: number; hash: string } | undefined;
      let seq = last?.seq ?? 0;
      let prev = last?.hash ?? GENESIS_HASH;
      const rows: Array<LeafRow & { hash: string }> = [];
      for (const e of events) {
        if (e.consentId && e.type !== RECORD_EVENT) this.touched.add(e.consentId);
        seq += 1;
        const row = {
          seq,
          call_sid: e.callSid ?? null,
          consent_id: e.consentId ?? null,
          type: e.type,
          at: e.at.toISOString(),
          data: JSON.stringify(e.data ?? {}),
        };
        const hash = eventHash(prev, row);
        this.stmts.insertEvent!.run(
          row.seq,
          row.call_sid,
          row.consent_id,
          row.type,
          row.at,
          row.data,
          prev,
          hash,
        );
        rows.push({ ...row, hash });
        prev = hash;
      }
      this.merkle.appendEvents(last, rows);
    });
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
      this.stmts.insertNotice!.run(n.id, n.locale, n.kind, n.content, new Date().toISOString());
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
  startCall(c: {
    callSid: string;
    from: string | null;
    called: string | null;
    country: string | null;
    locale: string;
    at: Date;
  }): boolean {
    const from = c.from && !isWithheldNumber(c.from) ? c.from : null;
    const callerHash = from ? this.callerHash(from) : null;
    const result = this.stmts.insertCall!.run({
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
    return this.stmts.getCall!.get(callSid) as CallRow | undefined;
  }

  updateCall(
    callSid: string,
    fields: Partial<
      Pick<
        CallRow,
        | 'locale'
        | 'state'
        | 'outcome'
        | 'consent_id'
        | 'method'
        | 'routed_to'
        | 'recording_started_ms'
        | 'ended_at'
      >
    >,
    at: Date,
  ): void {
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

  createConsent(c: {
    callSid: string;
    callerHash: string | null;
    callerEnc: string | null;
    locale: string;
    method: Method;
    input: string | null;
    confidence: number | null;
    noticeId: string;
    decision: 'granted' | 'declined';
    purposes: Record<string, boolean>;
    clipStartMs: number | null;
    clipEndMs: number | null;
    at: Date;
  }): string {
    const id = newConsentId(c.at);
    this.stmts.insertConsent!.run({
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
    return this.stmts.getConsent!.get(id) as ConsentRow | undefined;
  }

  consentsForCall(callSid: string): ConsentRow[] {
    return this.stmts.consentsForCall!.all(callSid) as ConsentRow[];
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
  }

  /** Withdraws every active consent of one caller; returns the IDs so their clips can be deleted. */
  withdrawCaller(callerHash: string, at: Date): string[] {
    const ids = this.stmts.activeForCaller!.pluck().all(callerHash) as string[];
    const update = this.sql(
      "UPDATE consents SET status = 'withdrawn', withdrawn_at = ?, updated_at = ? WHERE id = ?",
    );
    for (const id of ids) update.run(at.toISOString(), at.toISOString(), id);
    return ids;
  }

  /** Withdraws one consent if it is active; true when it was. */
  withdrawConsent(id: string, at: Date): boolean {
    return (
      this.sql(
        "UPDATE consents SET status = 'withdrawn', withdrawn_at = ?, updated_at = ? WHERE id = ? AND status = 'active'",
      ).run(at.toISOString(), at.toISOString(), id).changes === 1
    );
  }

  // ---- clips and recordings ----

  getClip(consentId: string): ClipRow | undefined {
    return this.stmts.getClip!.get(consentId) as ClipRow | undefined;
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
    this.stmts.insertJob!.run(
      kind,
      JSON.stringify(payload),
      options.dedupeKey ?? null,
      options.runAt ?? now.getTime(),
      now.toISOString(),
      now.toISOString(),
    );
  }
}
