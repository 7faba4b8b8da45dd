/** The Calls/CA….json resource of Twilio's REST API: fetch a call, or update it live (redirect, new TwiML, end). */
import type http from 'node:http';
import type { EmulatedCall } from './call';
import type { TwilioEmulator } from './emulator';
import { methodNotAllowed, notFound, sendJson, twilioError } from './rest-http';
import { API_VERSION } from './wire-format';

function callJson(emulator: TwilioEmulator, call: EmulatedCall): Record<string, unknown> {
  return {
    sid: call.callSid,
    account_sid: emulator.options.accountSid,
    api_version: API_VERSION,
    from: call.params.From,
    to: call.params.To,
    direction: 'inbound',
    status: call.state,
    duration: call.state === 'completed' ? String(call.durationSeconds()) : null,
    uri: `/${API_VERSION}/Accounts/${emulator.options.accountSid}/Calls/${call.callSid}.json`,
  };
}

export function callResource(
  emulator: TwilioEmulator,
  res: http.ServerResponse,
  method: string,
  callSid: string,
  body: Record<string, string>,
): void {
  const call = emulator.calls.get(callSid);
  if (!call) return notFound(res);
  if (method === 'GET') return sendJson(res, 200, callJson(emulator, call));
  if (method !== 'POST') return methodNotAllowed(res);
  if (call.state === 'completed') {
    return twilioError(res, 400, 21220, 'Call is not in-progress. Cannot redirect.');
  }
  if (body.Status === 'completed' || body.Status === 'canceled') call.requestUpdate({ kind: 'end' });
  else if (body.Twiml) call.requestUpdate({ kind: 'twiml', twiml: body.Twiml });
  else if (body.Url) call.requestUpdate({ kind: 'url', url: body.Url, method: body.Method ?? 'POST' });
  else return twilioError(res, 400, 21205, 'Url, Twiml or Status is required');
  return sendJson(res, 200, callJson(emulator, call));
}
