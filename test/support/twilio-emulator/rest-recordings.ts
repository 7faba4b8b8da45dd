/**
 * The Recordings resources of Twilio's REST API: one recording (fetch, delete, and on a call
 * pause, resume or stop, also as Twilio.CURRENT), a call's recordings (list, start), and the
 * account's list, paged as Twilio pages it.
 */
import type http from 'node:http';
import type { TwilioEmulator } from './emulator';
import { createRecording, stopRecording } from './recordings';
import { methodNotAllowed, notFound, sendJson, twilioError } from './rest-http';
import type { EmulatedRecording } from './types';
import { API_VERSION, rfc2822 } from './wire-format';

export function recordingJson(emulator: TwilioEmulator, rec: EmulatedRecording): Record<string, unknown> {
  const { accountSid } = emulator.options;
  const base = `/${API_VERSION}/Accounts/${accountSid}/Recordings/${rec.sid}`;
  return {
    account_sid: accountSid,
    api_version: API_VERSION,
    call_sid: rec.callSid,
    conference_sid: null,
    date_created: rfc2822(rec.startedAt),
    date_updated: rfc2822(rec.stoppedAt ?? rec.startedAt),
    start_time: rfc2822(rec.startedAt),
    duration: rec.duration === undefined ? '-1' : String(rec.duration),
    sid: rec.sid,
    price: null,
    price_unit: 'USD',
    status: rec.status === 'stopped' ? 'processing' : rec.status,
    channels: rec.channels,
    source: rec.source,
    error_code: null,
    track: rec.track,
    uri: `${base}.json`,
    media_url: `${emulator.apiBase}${base}`,
    encryption_details: null,
  };
}

/** GET Recordings.json, optionally filtered by CallSid. */
export function listAccountRecordings(emulator: TwilioEmulator, res: http.ServerResponse, url: URL): void {
  const callSid = url.searchParams.get('CallSid');
  const list = [...emulator.recordings.values()].filter(
    (x) => x.status !== 'deleted' && (!callSid || x.callSid === callSid),
  );
  return sendJson(res, 200, recordingsPage(emulator, url, list));
}

/**
 * One page of a Recordings list as Twilio pages it: PageSize (default 50, at most 1000), Page,
 * and a next_page_uri (relative, with a PageToken) while more remain, else null.
 */
function recordingsPage(
  emulator: TwilioEmulator,
  url: URL,
  list: EmulatedRecording[],
): Record<string, unknown> {
  const size = Math.min(1000, Math.max(1, Number(url.searchParams.get('PageSize') ?? 50) || 50));
  const page = Math.max(0, Number(url.searchParams.get('Page') ?? 0) || 0);
  // Newest first, as Twilio lists them; the sid breaks ties within one millisecond.
  const sorted = [...list].sort((a, b) => b.startedAt - a.startedAt || a.sid.localeCompare(b.sid));
  const items = sorted.slice(page * size, (page + 1) * size);
  const base = `/${API_VERSION}/Accounts/${emulator.options.accountSid}/Recordings.json`;
  const at = (p: number, token?: string): string =>
    `${base}?PageSize=${size}&Page=${p}${token ? `&PageToken=PA${token}` : ''}`;
  const more = (page + 1) * size < sorted.length;
  return {
    recordings: items.map((x) => recordingJson(emulator, x)),
    start: page * size,
    end: page * size + Math.max(0, items.length - 1),
    page,
    page_size: size,
    uri: at(page),
    first_page_uri: at(0),
    previous_page_uri: page > 0 ? at(page - 1) : null,
    next_page_uri: more ? at(page + 1, items[items.length - 1]?.sid) : null,
  };
}

/** Recordings/RE….json or Calls/CA…/Recordings/{RE…|Twilio.CURRENT}.json */
export function recordingResource(
  emulator: TwilioEmulator,
  res: http.ServerResponse,
  method: string,
  callSid: string | undefined,
  sidOrCurrent: string,
  body: Record<string, string>,
): void {
  let rec: EmulatedRecording | undefined;
  if (sidOrCurrent === 'Twilio.CURRENT') {
    const active = [...emulator.recordings.values()].filter(
      (x) => x.callSid === callSid && (x.status === 'in-progress' || x.status === 'paused'),
    );
    rec = active[active.length - 1];
  } else {
    rec = emulator.recordings.get(sidOrCurrent);
    if (rec && callSid && rec.callSid !== callSid) rec = undefined;
  }
  if (!rec || rec.status === 'deleted') return notFound(res);

  if (method === 'GET') return sendJson(res, 200, recordingJson(emulator, rec));
  if (method === 'DELETE') {
    if (emulator.faults.deleteRecording === '500') return twilioError(res, 500, 20500, 'Injected fault');
    rec.status = 'deleted';
    res.writeHead(204).end();
    return;
  }
  if (method === 'POST') {
    if (!callSid) return methodNotAllowed(res);
    const status = body.Status;
    if (status === 'stopped') stopRecording(emulator, rec);
    else if (status === 'paused' && rec.status === 'in-progress') rec.status = 'paused';
    else if (status === 'in-progress' && rec.status === 'paused') rec.status = 'in-progress';
    else if (status !== 'paused' && status !== 'in-progress') {
      return twilioError(res, 400, 21220, `Invalid Status ${status ?? ''}`);
    }
    const call = emulator.calls.get(rec.callSid);
    if (call && !call.isBusy()) void emulator.track(call.flushCallbacks());
    return sendJson(res, 200, recordingJson(emulator, rec));
  }
  return methodNotAllowed(res);
}

/** Calls/CA…/Recordings.json: list a call's recordings, or start one on a call in progress. */
export function callRecordings(
  emulator: TwilioEmulator,
  res: http.ServerResponse,
  method: string,
  callSid: string,
  body: Record<string, string>,
): void {
  const call = emulator.calls.get(callSid);
  if (!call) return notFound(res);
  if (method === 'GET') {
    const list = [...emulator.recordings.values()].filter(
      (x) => x.callSid === callSid && x.status !== 'deleted',
    );
    return sendJson(res, 200, { recordings: list.map((x) => recordingJson(emulator, x)) });
  }
  if (method !== 'POST') return methodNotAllowed(res);
  if (call.state !== 'in-progress') return twilioError(res, 400, 21220, 'Call is not in-progress');
  const rec = createRecording(emulator, call, 'StartCallRecordingAPI', {
    callback: body.RecordingStatusCallback,
    method: body.RecordingStatusCallbackMethod,
    events: body.RecordingStatusCallbackEvent,
    track: body.RecordingTrack,
    channels: body.RecordingChannels,
  });
  if (!call.isBusy()) void emulator.track(call.flushCallbacks());
  return sendJson(res, 201, recordingJson(emulator, rec));
}
