/**
 * The life of a recording: started by <Start><Recording> or the REST API, stopped by <Stop>, the
 * API or the call's end, and announced to the app by its status callbacks, which wait on the call
 * until its current action comes to rest (as Twilio's arrive after the webhook that caused them).
 */
import type { EmulatedCall } from './call';
import type { TwilioEmulator } from './emulator';
import type { EmulatedRecording } from './types';
import { newSid, rfc2822 } from './wire-format';

export interface RecordingSettings {
  name?: string;
  callback?: string;
  method?: string;
  events?: string;
  track?: string;
  channels?: string;
}

export function createRecording(
  emulator: TwilioEmulator,
  call: EmulatedCall,
  source: EmulatedRecording['source'],
  opts: RecordingSettings,
): EmulatedRecording {
  const events = (opts.events ?? 'completed')
    .split(/[\s,]+/)
    .map((e) => e.trim())
    .filter(Boolean);
  const rec: EmulatedRecording = {
    sid: newSid('RE'),
    callSid: call.callSid,
    status: 'in-progress',
    startedAt: Date.now(),
    name: opts.name,
    statusCallback: opts.callback,
    statusCallbackMethod: (opts.method ?? 'POST').toUpperCase(),
    statusCallbackEvents: events,
    source,
    track: opts.track ?? 'both',
    channels: opts.channels === 'dual' || opts.channels === '2' ? 2 : 1,
  };
  emulator.recordings.set(rec.sid, rec);
  if (events.includes('in-progress'))
    call.queueCallback(() => postRecordingEvent(emulator, rec, 'in-progress'));
  return rec;
}

/** Stops a recording and queues its 'completed' callback on the call. */
export function stopRecording(emulator: TwilioEmulator, rec: EmulatedRecording): void {
  if (rec.status !== 'in-progress' && rec.status !== 'paused') return;
  const call = emulator.calls.get(rec.callSid);
  rec.status = 'stopped';
  rec.stoppedAt = Date.now();
  const measured = Math.max(1, Math.round((rec.stoppedAt - rec.startedAt) / 1000));
  rec.duration = call?.recordingSeconds ?? measured;
  const complete = async (): Promise<void> => {
    if (rec.status === 'stopped') rec.status = 'completed';
    if (rec.statusCallbackEvents.includes('completed')) await postRecordingEvent(emulator, rec, 'completed');
  };
  if (call) call.queueCallback(complete);
  else void emulator.track(complete());
}

/** The recordings of a call that still run (in progress or paused), oldest first. */
export function activeRecordings(emulator: TwilioEmulator, callSid: string): EmulatedRecording[] {
  return [...emulator.recordings.values()].filter(
    (r) => r.callSid === callSid && (r.status === 'in-progress' || r.status === 'paused'),
  );
}

async function postRecordingEvent(
  emulator: TwilioEmulator,
  rec: EmulatedRecording,
  status: 'in-progress' | 'completed',
): Promise<void> {
  if (!rec.statusCallback || emulator.faults.recordingCallback === 'drop') return;
  const params: Record<string, string> = {
    AccountSid: emulator.options.accountSid,
    CallSid: rec.callSid,
    RecordingSid: rec.sid,
    RecordingUrl: emulator.recordingUrl(rec.sid),
    RecordingStatus: status,
    RecordingChannels: String(rec.channels),
    RecordingSource: rec.source,
    RecordingStartTime: rfc2822(rec.startedAt),
    RecordingTrack: rec.track,
  };
  if (status === 'completed') params.RecordingDuration = String(rec.duration ?? 0);
  const times = emulator.faults.recordingCallback === 'duplicate' ? 2 : 1;
  for (let i = 0; i < times; i++) {
    await emulator.webhook('recording', rec.callSid, rec.statusCallbackMethod, rec.statusCallback, params);
  }
}
