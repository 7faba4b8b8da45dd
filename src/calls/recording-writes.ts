import type { Ledger } from '../ledger';
import { isRepeatedRecordingStatus } from './recording-repeat';

/** Recording status callback: a completed recording becomes a durable job; repeats are ignored. */
export function recording(
  ledger: Ledger,
  a: {
    callSid: string;
    recordingSid: string;
    status: string;
    duration: number | null;
    url: string | null;
    at: Date;
  },
): boolean {
  if (!ledger.getCall(a.callSid)) return false;
  // Twilio repeats callbacks, also late and out of order: a repeat writes nothing.
  const before = ledger
    .sql('SELECT status FROM recordings WHERE recording_sid = ?')
    .pluck()
    .get(a.recordingSid);
  if (isRepeatedRecordingStatus(before, a.status)) return true;
  ledger
    .sql(
      `INSERT INTO recordings (recording_sid, call_sid, status, duration_sec, media_url, received_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(recording_sid) DO UPDATE SET status = excluded.status, duration_sec = COALESCE(excluded.duration_sec, recordings.duration_sec), media_url = COALESCE(excluded.media_url, recordings.media_url)`,
    )
    .run(a.recordingSid, a.callSid, a.status, a.duration, a.url, a.at.toISOString());
  if (a.status === 'completed') {
    ledger.append([
      {
        type: 'recording_completed',
        callSid: a.callSid,
        at: a.at,
        data: { recordingSid: a.recordingSid, duration: a.duration ?? 0 },
      },
    ]);
    ledger.enqueue(
      'process_recording',
      { callSid: a.callSid, recordingSid: a.recordingSid },
      { dedupeKey: `process_recording:${a.recordingSid}` },
    );
  } else if (a.status === 'absent' || a.status === 'failed') {
    ledger.append([
      {
        type: 'recording_absent',
        callSid: a.callSid,
        at: a.at,
        data: { recordingSid: a.recordingSid, status: a.status },
      },
    ]);
  }
  return true;
}
