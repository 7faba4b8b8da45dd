import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { clipContext, decryptBuffer, encryptBuffer, generateDataKey } from '../crypto/envelope';
import { wrappedKeyId } from '../crypto/keyring';
import type { Catalog } from '../i18n/catalog';
import type { ConsentRow, Ledger } from '../ledger';
import { cutClip } from '../recording/ffmpeg';
import type { ClipStore } from '../storage/clip-store';
import type { TwilioApi } from '../twilio/rest';
import { isSmsNumber } from '../outbound/sms-address';
import { PermanentJobError, type GiveUpHandler, type JobHandler } from './queue';
import { makeClipWorkDir } from './temp-files';

export interface ClipDeps {
  ledger: Ledger;
  store: ClipStore;
  twilio: TwilioApi;
  catalog: Catalog;
  /** Resolved lazily so an ffmpeg installed after start is picked up; null: clip jobs wait. */
  ffmpeg: () => string | null;
  log: Logger;
  company: string;
  privacyUrl: string | null;
  clock?: () => Date;
}

/** Seconds kept before the question starts and after the answer, so neither is clipped mid-word. */
export const CLIP_MARGIN_BEFORE = 0.5;
export const CLIP_MARGIN_AFTER = 1.0;
/** A call that never ends (lost status callback) is treated as ended after this long. */
const UNDECIDED_GRACE_MS = 2 * 60 * 60_000;

/**
 * Object keys are a keyed hash of the consent ID: no personal data, and the same key on every retry.
 * The key is derived for this use alone (never the caller-lookup key), so an object name says
 * nothing about who called.
 */
export function objectKeyFor(ledger: Ledger, consentId: string): string {
  const h = crypto.createHmac('sha256', ledger.derivedKey('clip-object-key')).update(consentId).digest('hex');
  return `clips/${h.slice(0, 2)}/${h}.cge`;
}

export function createJobHandlers(d: ClipDeps): Record<string, JobHandler> {
  const now = (): Date => (d.clock ? d.clock() : new Date());
  const ledger = d.ledger;

  const grantedConsent = (callSid: string): ConsentRow | undefined =>
    ledger.consentsForCall(callSid).find((c) => c.decision === 'granted');

  const processRecording: JobHandler = async (payload, job, { write }) => {
    const callSid = String(payload.callSid);
    const recordingSid = String(payload.recordingSid);
    const call = ledger.getCall(callSid);
    if (!call) throw new PermanentJobError(`unknown call ${callSid}`);
    const consent = grantedConsent(callSid);
    const decided = call.outcome !== null || call.state === 'ended';
    if (!consent && !decided && Date.now() - Date.parse(job.created_at) < UNDECIDED_GRACE_MS) {
      return { retryInMs: 30_000, reason: 'call has no decision yet' };
    }
    const existing = consent ? ledger.getClip(consent.id) : undefined;
    if (existing?.status === 'stored' || existing?.status === 'deleted') {
      await write(() =>
        ledger.enqueue(
          'delete_recording',
          { recordingSid, callSid },
          { dedupeKey: `delete_recording:${recordingSid}` },
        ),
      );
      return;
    }
    if (!consent || consent.status !== 'active') {
      // Refused, abandoned, unanswered or already withdrawn: no audio is kept, Twilio's copy goes.
      const given = await write(() => {
        // A key 1 that came in after the hang-up may have made a consent since the read above.
        if (!consent && grantedConsent(callSid)) return 'a consent arrived meanwhile';
        if (consent)
          ledger.upsertClip({
            consent_id: consent.id,
            call_sid: callSid,
            recording_sid: recordingSid,
            status: consent.status === 'withdrawn' || consent.status === 'expired' ? 'deleted' : 'none',
          });
        ledger.append([
          {
            type: 'clip_not_kept',
            callSid,
            consentId: consent?.id ?? null,
            at: now(),
            data: { recordingSid, reason: consent ? consent.status : (call.outcome ?? 'no consent') },
          },
        ]);
        ledger.enqueue(
          'delete_recording',
          { recordingSid, callSid },
          { dedupeKey: `delete_recording:${recordingSid}` },
        );
        return null;
      });
      return given ? { retryInMs: 0, reason: given } : undefined;
    }
    const ffmpeg = d.ffmpeg();
    if (!ffmpeg) return { retryInMs: 60_000, reason: 'ffmpeg is not installed (set FFMPEG_PATH)' };
    if (call.recording_started_ms === null || consent.clip_start_ms === null || consent.clip_end_ms === null)
      throw new PermanentJobError('the ledger has no clip offsets for this consent');

    // Pending: the sweep leaves this recording alone while its clip is being made.
    await write(() => {
      ledger.upsertClip({
        consent_id: consent.id,
        call_sid: callSid,
        recording_sid: recordingSid,
        status: 'pending',
      });
      ledger.append([
        { type: 'clip_processing', callSid, consentId: consent.id, at: now(), data: { recordingSid } },
      ]);
    });
    const dir = makeClipWorkDir();
    try {
      fs.chmodSync(dir, 0o700);
      const wav = path.join(dir, 'recording.wav');
      const mp3 = path.join(dir, 'clip.mp3');
      await d.twilio.downloadRecording(recordingSid, wav);
      const startSec = Math.max(
        0,
        (consent.clip_start_ms - call.recording_started_ms) / 1000 - CLIP_MARGIN_BEFORE,
      );
      const endSec = (consent.clip_end_ms - call.recording_started_ms) / 1000 + CLIP_MARGIN_AFTER;
      const { durationSec } = await cutClip({ ffmpeg, input: wav, startSec, endSec, output: mp3 });
      const plain = fs.readFileSync(mp3);
      const dataKey = generateDataKey();
      const key = objectKeyFor(ledger, consent.id);
      // Bound to its consent and key: a clip row pointing at another consent's object fails to open.
      const cipher = await encryptBuffer(dataKey, plain, { context: clipContext(consent.id, key) });
      const wrapped = ledger.keyRing.wrap(dataKey);
      await d.store.put(key, cipher);
      const head = await d.store.head(key);
      if (!head || head.size !== cipher.length)
        throw new Error(`upload of ${key} not verified (size ${head?.size ?? 'none'} ≠ ${cipher.length})`);
      await write(() => {
        const fresh = ledger.getConsent(consent.id);
        ledger.upsertClip({
          consent_id: consent.id,
          call_sid: callSid,
          recording_sid: recordingSid,
          status: 'stored',
          object_key: key,
          wrapped_key: wrapped,
          key_id: wrappedKeyId(wrapped),
          format: 'audio/mpeg',
          duration_sec: durationSec,
          plain_bytes: plain.length,
          cipher_bytes: cipher.length,
          plain_sha256: sha256(plain),
          cipher_sha256: sha256(cipher),
          offset_start_sec: startSec,
          offset_end_sec: endSec,
          stored_at: now().toISOString(),
        });
        ledger.append([
          {
            type: 'clip_stored',
            callSid,
            consentId: consent.id,
            at: now(),
            data: { recordingSid, bytes: cipher.length, sha256: sha256(cipher), durationSec },
          },
        ]);
        ledger.enqueue(
          'delete_recording',
          { recordingSid, callSid },
          { dedupeKey: `delete_recording:${recordingSid}` },
        );
        // Withdrawn (or expired) while we were uploading: the deletion job removes what was just stored.
        if (fresh?.status === 'withdrawn' || fresh?.status === 'expired')
          ledger.enqueue(
            'delete_clip',
            { consentId: consent.id },
            { dedupeKey: `delete_clip:${consent.id}:late` },
          );
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  const deleteRecording: JobHandler = async (payload, _job, { write }) => {
    const recordingSid = String(payload.recordingSid);
    await d.twilio.deleteRecording(recordingSid);
    await write(() =>
      ledger.append([
        {
          type: 'recording_deleted',
          callSid: String(payload.callSid ?? '') || null,
          at: now(),
          data: { recordingSid },
        },
      ]),
    );
  };

  const deleteClip: JobHandler = async (payload, _job, { write }) => {
    const consentId = String(payload.consentId);
    const consent = ledger.getConsent(consentId);
    if (!consent) throw new PermanentJobError(`unknown consent ${consentId}`);
    const clip = ledger.getClip(consentId);
    if (clip?.object_key && clip.status === 'stored') await d.store.delete(clip.object_key);
    await write(() => {
      ledger.upsertClip({
        consent_id: consentId,
        call_sid: consent.call_sid,
        status: 'deleted',
        deleted_at: now().toISOString(),
        // The clip's data key goes with the object: a copy of the ciphertext elsewhere stays unreadable.
        wrapped_key: null,
      });
      ledger.append([
        {
          type: 'clip_deleted',
          callSid: consent.call_sid,
          consentId,
          at: now(),
          data: { hadObject: Boolean(clip?.object_key) },
        },
      ]);
    });
  };

  const sendSms: JobHandler = async (payload, _job, { write }) => {
    const call = ledger.getCall(String(payload.callSid));
    if (!call || !d.privacyUrl) return;
    const to = ledger.callerNumber(call);
    if (!isSmsNumber(to) || !isSmsNumber(call.called)) {
      // Nothing to retry (a withheld number, a SIP caller or line, no number we may read): the ledger says so.
      const reason = !to
        ? 'no_caller_number'
        : !isSmsNumber(to)
          ? 'caller_not_a_phone_number'
          : 'no_sender_number';
      await write(() =>
        ledger.append([
          { type: 'sms_not_sent', callSid: call.call_sid, at: now(), data: { kind: 'privacy_link', reason } },
        ]),
      );
      return;
    }
    const lng = String(payload.locale ?? call.locale);
    await d.twilio.sendSms({
      to,
      from: call.called,
      body: d.catalog.t(lng, 'smsBody', { company: d.company, url: d.privacyUrl }),
    });
    await write(() =>
      ledger.append([
        { type: 'sms_sent', callSid: call.call_sid, at: now(), data: { kind: 'privacy_link' } },
      ]),
    );
  };

  return {
    process_recording: processRecording,
    delete_recording: deleteRecording,
    delete_clip: deleteClip,
    send_sms: sendSms,
  };
}

/**
 * What happens when a job ends for good. A clip that cannot be made (media gone, offsets missing,
 * ffmpeg refusing it twelve times) still must not leave the full recording at Twilio: nothing is
 * kept, the ledger says why, and Twilio's copy is deleted.
 */
export const giveUpHandlers: Record<string, GiveUpHandler> = {
  process_recording: (ledger, payload, _job, error) => {
    const callSid = String(payload.callSid);
    const recordingSid = String(payload.recordingSid);
    const consent = ledger.consentsForCall(callSid).find((c) => c.decision === 'granted');
    const clip = consent ? ledger.getClip(consent.id) : undefined;
    if (consent && clip?.status !== 'stored' && clip?.status !== 'deleted')
      ledger.upsertClip({
        consent_id: consent.id,
        call_sid: callSid,
        recording_sid: recordingSid,
        status: 'none',
      });
    ledger.append([
      {
        type: 'clip_failed',
        callSid: ledger.getCall(callSid) ? callSid : null,
        consentId: consent?.id ?? null,
        at: new Date(),
        data: { recordingSid, error: error.slice(0, 200) },
      },
    ]);
    ledger.enqueue(
      'delete_recording',
      { recordingSid, callSid },
      { dedupeKey: `delete_recording:${recordingSid}` },
    );
  },
};

export function sha256(buf: Buffer): string {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

/** Whether the clip's deletion was ordered (a withdrawal, an erasure, its retention ending). */
function deletionOrdered(ledger: Ledger, consentId: string): boolean {
  const key = `delete_clip:${consentId}`;
  return ledger.sql('SELECT 1 FROM jobs WHERE dedupe_key IN (?, ?)').get(key, `${key}:late`) !== undefined;
}

/**
 * Decrypts a stored clip: for `consent clip` and the auditor portal. Verifies the ciphertext hash
 * first. null when there is no stored clip, or it is being deleted: the deletion job removes the
 * object first and records that after, so in between the row still says stored.
 */
export async function readClip(
  ledger: Ledger,
  store: ClipStore,
  consentId: string,
): Promise<{ audio: Buffer; format: string } | null> {
  const clip = ledger.getClip(consentId);
  if (!clip || clip.status !== 'stored' || !clip.object_key || !clip.wrapped_key) return null;
  let cipher: Buffer;
  try {
    cipher = await store.get(clip.object_key);
  } catch (error) {
    if (deletionOrdered(ledger, consentId)) return null;
    throw error;
  }
  if (clip.cipher_sha256 && sha256(cipher) !== clip.cipher_sha256)
    throw new Error('stored clip does not match its recorded hash');
  const audio = await decryptBuffer(ledger.keyRing.unwrap(clip.wrapped_key), cipher, {
    context: clipContext(consentId, clip.object_key),
  });
  if (clip.plain_sha256 && sha256(audio) !== clip.plain_sha256)
    throw new Error('decrypted clip does not match its recorded hash');
  return { audio, format: clip.format ?? 'audio/mpeg' };
}
