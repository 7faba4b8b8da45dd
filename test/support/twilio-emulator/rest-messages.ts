/** The Messages resource of Twilio's REST API: send an SMS (kept in `messages`) and list those sent. */
import type http from 'node:http';
import type { TwilioEmulator } from './emulator';
import { sendJson, twilioError } from './rest-http';
import type { SentMessage } from './types';
import { API_VERSION, newSid, rfc2822 } from './wire-format';

export function createMessage(
  emulator: TwilioEmulator,
  res: http.ServerResponse,
  body: Record<string, string>,
): void {
  if (!body.To) return twilioError(res, 400, 21604, "A 'To' phone number is required.");
  if (!body.From && !body.MessagingServiceSid)
    return twilioError(res, 400, 21603, "A 'From' phone number is required.");
  // Twilio sends SMS to phone numbers only (a sip: or client: address is refused), from a
  // number, a short code or an alphanumeric sender ID.
  if (!/^\+[1-9]\d{1,14}$/.test(body.To)) return twilioError(res, 400, 21211, "Invalid 'To' Phone Number");
  if (body.From && !/^(\+[1-9]\d{1,14}|\d{3,8}|[A-Za-z0-9 ]{1,11})$/.test(body.From))
    return twilioError(res, 400, 21212, 'Invalid From Number (caller ID)');
  if (!body.Body && !body.MediaUrl) return twilioError(res, 400, 21602, 'Message body is required.');
  const msg: SentMessage = { sid: newSid('SM'), to: body.To, from: body.From ?? '', body: body.Body ?? '' };
  emulator.messages.push(msg);
  const now = rfc2822(Date.now());
  return sendJson(res, 201, {
    sid: msg.sid,
    account_sid: emulator.options.accountSid,
    api_version: API_VERSION,
    to: msg.to,
    from: msg.from || null,
    messaging_service_sid: body.MessagingServiceSid ?? null,
    body: msg.body,
    status: 'queued',
    direction: 'outbound-api',
    num_segments: '1',
    date_created: now,
    date_updated: now,
    date_sent: null,
    error_code: null,
    error_message: null,
    uri: `/${API_VERSION}/Accounts/${emulator.options.accountSid}/Messages/${msg.sid}.json`,
  });
}

/** Twilio lists messages newest first, filtered by To and From when given. */
export function listMessages(emulator: TwilioEmulator, res: http.ServerResponse, url: URL): void {
  const to = url.searchParams.get('To');
  const from = url.searchParams.get('From');
  const list = emulator.messages.filter((m) => (!to || m.to === to) && (!from || m.from === from)).reverse();
  return sendJson(res, 200, {
    messages: list.map((m) => ({ sid: m.sid, to: m.to, from: m.from, body: m.body, status: 'sent' })),
  });
}
