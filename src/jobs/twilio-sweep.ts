import type { Logger } from 'pino';
import { callWrites } from '../calls/ledger-writes';
import type { Ledger } from '../ledger';
import type { TwilioApi, TwilioRecording } from '../twilio/rest';
import type { JobHandler } from './queue';
import { sweepTempFiles } from './temp-files';

/**
 * Twilio does not retry recording or status callbacks. Whatever callback was lost, this job finds
 * out by itself: it lists the account's recordings at Twilio and gives each one the ledger has no
 * work for to the clip pipeline (a known call: it keeps or drops the clip as the callback would
 * have) or to deletion (a call the ledger never saw: nothing of it may be kept); and it closes
 * calls the ledger still has open from Twilio's Calls resource. Never a recording whose clip is
 * being made, never one younger than the grace period (its callback may still be on its way).
 */
export const SWEEP_JOB = 'twilio_sweep';
export const SWEEP_INTERVAL_MS = 15 * 60_000;
export const SWEEP_GRACE_MS = 10 * 60_000;
/** Open calls looked up per run: a long backlog is worked through over several runs. */
const OPEN_CALLS_PER_RUN = 500;
const ENDED = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

/** Every process that starts asks for a sweep; the periodic one is one job per slot (dedupe key). */
export function scheduleSweep(ledger: Ledger, now: Date): void {
  ledger.transaction(() => {
    ledger.enqueue(SWEEP_JOB, { trigger: 'start' }, { dedupeKey: `${SWEEP_JOB}:start:${now.getTime()}` });
    enqueueNextSweep(ledger, now);
  });
}

function enqueueNextSweep(ledger: Ledger, now: Date): void {
  const next = (Math.floor(now.getTime() / SWEEP_INTERVAL_MS) + 1) * SWEEP_INTERVAL_MS;
  ledger.enqueue(SWEEP_JOB, { trigger: 'periodic' }, { dedupeKey: `${SWEEP_JOB}:${next}`, runAt: next });
}

export type RecordingAction = 'skipped' | 'processing' | 'queued' | 'deleting';

/** What the ledger does about one recording Twilio still holds (inside the caller's transaction). */
export function reconcileRecording(ledger: Ledger, rec: TwilioRecording, now: Date): RecordingAction {
  const jobOf = (key: string): string | undefined =>
    ledger.sql('SELECT status FROM jobs WHERE dedupe_key = ?').pluck().get(key) as string | undefined;
  const deletion = jobOf(`delete_recording:${rec.sid}`);
  // Queued or done: the outbox deletes it exactly once (Twilio lists a deletion in flight).
  if (deletion) return 'skipped';
  const processing = jobOf(`process_recording:${rec.sid}`);
  if (processing === 'pending' || processing === 'running') return 'processing';
  const call = rec.callSid ? ledger.getCall(rec.callSid) : undefined;
  if (!processing && call && rec.callSid) {
    // The recording callback never arrived: the clip pipeline decides as if it had.
    callWrites.recording(ledger, {
      callSid: rec.callSid,
      recordingSid: rec.sid,
      status: 'completed',
      duration: null,
      url: null,
      at: now,
    });
    ledger.append([
      {
        type: 'recording_swept',
        callSid: rec.callSid,
        at: now,
        data: { recordingSid: rec.sid, action: 'process' },
      },
    ]);
    return 'queued';
  }
  // A call the ledger never saw, or a clip job that ended without queueing the deletion.
  ledger.append([
    {
      type: 'recording_swept',
      callSid: call ? rec.callSid : null,
      at: now,
      data: {
        recordingSid: rec.sid,
        action: 'delete',
        reason: call ? `clip job ${processing}` : 'unknown call',
      },
    },
  ]);
  ledger.enqueue(
    'delete_recording',
    { recordingSid: rec.sid, callSid: call ? rec.callSid : null },
    { dedupeKey: `delete_recording:${rec.sid}` },
  );
  return 'deleting';
}

export function createSweepJob(d: {
  ledger: Ledger;
  twilio: TwilioApi;
  log: Logger;
  graceMs?: number;
  clock?: () => Date;
}): JobHandler {
  const grace = d.graceMs ?? SWEEP_GRACE_MS;
  return async (payload, _job, { write }) => {
    const now = d.clock ? d.clock() : new Date();
    const counts: Record<string, number> = {};
    for await (const rec of d.twilio.listRecordings()) {
      if (rec.status !== 'completed') continue; // still recording or processing: its callback is due
      if (!(now.getTime() - rec.createdAt >= grace)) continue;
      const action = await write(() => reconcileRecording(d.ledger, rec, now));
      counts[action] = (counts[action] ?? 0) + 1;
    }
    const open = d.ledger
      .sql("SELECT call_sid FROM calls WHERE state = 'active' AND created_at < ? ORDER BY created_at LIMIT ?")
      .pluck()
      .all(new Date(now.getTime() - grace).toISOString(), OPEN_CALLS_PER_RUN) as string[];
    let closed = 0;
    for (const callSid of open) {
      const call = await d.twilio.fetchCall(callSid);
      // A call Twilio does not know cannot be going on; one it still runs stays open.
      const status = call ? call.status : 'not-found';
      if (call && !ENDED.has(call.status)) continue;
      const ended = await write(() =>
        callWrites.callEnded(d.ledger, {
          callSid,
          callStatus: status,
          duration: call?.duration ?? null,
          at: now,
        }),
      );
      if (ended) closed += 1;
    }
    const removed = sweepTempFiles(now.getTime());
    if (payload.trigger === 'periodic') await write(() => enqueueNextSweep(d.ledger, now));
    if (Object.keys(counts).some((k) => k !== 'skipped') || closed > 0 || removed > 0)
      d.log.info({ recordings: counts, callsClosed: closed, tempFilesRemoved: removed }, 'twilio sweep');
  };
}
