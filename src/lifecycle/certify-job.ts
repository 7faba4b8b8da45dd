import type { Logger } from 'pino';
import { PermanentJobError, type JobHandler } from '../jobs/queue';
import type { Ledger } from '../ledger';
import type { ClipStore } from '../storage/clip-store';
import type { TwilioApi } from '../twilio/rest';
import { deletionItems, deletionOf, type DeletionItemRow } from './deletion';

export interface CertifyDeps {
  ledger: Ledger;
  store: ClipStore;
  twilio: TwilioApi;
  log: Logger;
  clock?: () => Date;
}

/** How long to wait before checking again, by how long the deletion has been pending. */
function recheckMs(pendingForMs: number): number {
  if (pendingForMs < 5 * 60_000) return 5_000;
  if (pendingForMs < 3600_000) return 60_000;
  return 10 * 60_000;
}

/**
 * Carries out and checks every item of one deletion: the S3 object is gone (HEAD answers 404),
 * the clip's data key is destroyed, Twilio no longer has the recording (GET answers 404), the
 * caller's key is shredded, the CRM acknowledged. It checks rather than trusts the other jobs, and
 * finds items that appeared after the request. Done when every item is; until then it waits.
 */
export function createCertifyJob(d: CertifyDeps): JobHandler {
  const now = (): Date => (d.clock ? d.clock() : new Date());
  const { ledger } = d;
  return async (payload) => {
    const consentId = String(payload.consentId);
    const deletion = deletionOf(ledger, consentId);
    const consent = ledger.getConsent(consentId);
    if (!deletion || !consent) throw new PermanentJobError(`no deletion requested for ${consentId}`);
    if (deletion.completed_at && deletionItems(ledger, consentId).every((i) => i.result !== null)) return;
    if (consent.status !== 'active') discoverItems(ledger, consentId, consent.call_sid);
    for (const item of deletionItems(ledger, consentId)) {
      if (item.result !== null) continue;
      try {
        const result = await carryOut(d, consentId, item, deletion.requested_at);
        if (result)
          ledger
            .sql(
              'UPDATE deletion_items SET result = ?, done_at = ? WHERE consent_id = ? AND system = ? AND object = ? AND result IS NULL',
            )
            .run(result, now().toISOString(), consentId, item.system, item.object);
      } catch (error) {
        d.log.warn(
          { consentId, system: item.system, error: (error as Error).message },
          'deletion item failed',
        );
      }
    }
    const open = deletionItems(ledger, consentId).filter((i) => i.result === null);
    if (open.length > 0)
      return {
        retryInMs: recheckMs(now().getTime() - Date.parse(deletion.requested_at)),
        reason: `waiting for ${open.map((i) => i.system).join(', ')}`,
      };
    const at = now();
    ledger.transaction(() => {
      const changed = ledger
        .sql('UPDATE deletions SET completed_at = ? WHERE consent_id = ? AND completed_at IS NULL')
        .run(at.toISOString(), consentId).changes;
      if (changed === 1)
        ledger.append([
          {
            type: 'deletion_completed',
            callSid: consent.call_sid,
            consentId,
            at,
            data: {
              reference: deletion.reference,
              reason: deletion.reason,
              items: deletionItems(ledger, consentId).length,
            },
          },
        ]);
    });
  };
}

/** A withdrawn, expired or erased consent: its clip, its data key and Twilio's recordings are items. */
function discoverItems(ledger: Ledger, consentId: string, callSid: string): void {
  const add = ledger.sql(
    'INSERT INTO deletion_items (consent_id, system, object, action) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const clip = ledger.getClip(consentId);
  if (clip?.object_key) {
    add.run(consentId, 's3', clip.object_key, 'delete object');
    add.run(consentId, 'keyring', `data key of ${clip.object_key}`, 'destroy');
  }
  const recordings = ledger
    .sql('SELECT recording_sid FROM recordings WHERE call_sid = ?')
    .pluck()
    .all(callSid) as string[];
  for (const sid of recordings) add.run(consentId, 'twilio', sid, 'delete recording');
}

/** Does one item and says how it ended, or null while it cannot be done yet. */
async function carryOut(
  d: CertifyDeps,
  consentId: string,
  item: DeletionItemRow,
  requestedAt: string,
): Promise<string | null> {
  const { ledger } = d;
  switch (item.system) {
    case 's3': {
      if (await d.store.head(item.object)) await d.store.delete(item.object);
      return (await d.store.head(item.object)) ? null : 'deleted; HEAD answers 404';
    }
    case 'keyring': {
      if (item.action === 'shred') {
        const shredded = ledger
          .sql(
            'SELECT 1 FROM subject_keys WHERE subject_hash = ? AND wrapped_key IS NULL AND shredded_at >= ?',
          )
          .get(item.object.replace('caller key of ', ''), requestedAt);
        return shredded ? 'shredded' : null;
      }
      // The object is gone or going: without its data key no copy of it (a backup) can be read.
      ledger.sql('UPDATE clips SET wrapped_key = NULL WHERE consent_id = ?').run(consentId);
      return 'destroyed';
    }
    case 'twilio': {
      // The outbox's delete_recording job deletes it (once: the same dedupe key as every other
      // path); the certificate checks that it is gone rather than sending a second DELETE.
      if (!(await d.twilio.recordingExists(item.object))) return 'deleted; GET answers 404';
      ledger.enqueue(
        'delete_recording',
        { recordingSid: item.object },
        { dedupeKey: `delete_recording:${item.object}` },
      );
      return null;
    }
    case 'crm': {
      const acked = ledger
        .sql(
          "SELECT json_extract(data, '$.httpStatus') FROM events WHERE type = 'crm_delivered' AND json_extract(data, '$.webhookId') = ? LIMIT 1",
        )
        .pluck()
        .get(item.object) as number | undefined;
      return acked ? `acknowledged (HTTP ${acked})` : null;
    }
    default:
      return item.result;
  }
}
