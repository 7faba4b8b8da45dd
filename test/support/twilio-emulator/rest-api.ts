/**
 * The emulator's REST API router: Basic auth with the account's sid and token, the account in the
 * path, recording media (its faults are `faults.media`, so it is served even while `faults.rest`
 * fails every other request), then the resources the app uses. Every request is kept in `requests`.
 */
import type http from 'node:http';
import type { TwilioEmulator } from './emulator';
import type { RecordingMedia } from './recording-media';
import { callResource } from './rest-calls';
import { notFound, parseForm, readBody, twilioError } from './rest-http';
import { createMessage, listMessages } from './rest-messages';
import { callRecordings, listAccountRecordings, recordingResource } from './rest-recordings';

function authorized(emulator: TwilioEmulator, header: string | undefined): boolean {
  if (!header?.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf-8');
  return decoded === `${emulator.options.accountSid}:${emulator.options.authToken}`;
}

export async function handleRest(
  emulator: TwilioEmulator,
  media: RecordingMedia,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', emulator.apiBase);
  const body = parseForm(await readBody(req));
  const auth = req.headers.authorization;
  emulator.requests.push({ method, path: url.pathname + url.search, auth, body });

  if (!authorized(emulator, auth)) {
    res.setHeader('WWW-Authenticate', 'Basic realm="Twilio API"');
    return twilioError(res, 401, 20003, 'Authenticate');
  }
  const m = /^\/2010-04-01\/Accounts\/([^/]+)\/(.+)$/.exec(url.pathname);
  if (!m || m[1] !== emulator.options.accountSid) return notFound(res);
  const rest = m[2] ?? '';

  const mediaPath = /^Recordings\/(RE[0-9a-f]{32})(\.wav|\.mp3)?$/.exec(rest);
  if (mediaPath && method === 'GET') {
    const rec = emulator.recordings.get(mediaPath[1] ?? '');
    return media.serve(res, rec, mediaPath[2] === '.mp3' ? 'mp3' : 'wav', () => emulator.faults);
  }

  if (emulator.faults.rest) return twilioError(res, emulator.faults.rest, 20500, 'Injected fault');

  let r: RegExpExecArray | null;
  if ((r = /^(?:Calls\/(CA[0-9a-f]{32})\/)?Recordings\/(RE[0-9a-f]{32}|Twilio\.CURRENT)\.json$/.exec(rest))) {
    return recordingResource(emulator, res, method, r[1], r[2] ?? '', body);
  }
  if ((r = /^Calls\/(CA[0-9a-f]{32})\/Recordings\.json$/.exec(rest))) {
    return callRecordings(emulator, res, method, r[1] ?? '', body);
  }
  if (rest === 'Recordings.json' && method === 'GET') return listAccountRecordings(emulator, res, url);
  if (rest === 'Messages.json' && method === 'POST') return createMessage(emulator, res, body);
  if (rest === 'Messages.json' && method === 'GET') return listMessages(emulator, res, url);
  if ((r = /^Calls\/(CA[0-9a-f]{32})\.json$/.exec(rest)))
    return callResource(emulator, res, method, r[1] ?? '', body);
  return notFound(res);
}
