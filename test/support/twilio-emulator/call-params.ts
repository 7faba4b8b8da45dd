/** The parameters Twilio sends with every webhook of an inbound call. */
import type { PlaceCallParams } from './types';
import { API_VERSION } from './wire-format';

export function inboundCallParams(
  accountSid: string,
  callSid: string,
  p: PlaceCallParams,
): Record<string, string> {
  const fromCountry = p.fromCountry ?? 'US';
  const toCountry = p.toCountry ?? 'US';
  return {
    AccountSid: accountSid,
    ApiVersion: API_VERSION,
    CallSid: callSid,
    Direction: 'inbound',
    From: p.from,
    To: p.to,
    Caller: p.from,
    Called: p.to,
    FromCountry: fromCountry,
    ToCountry: toCountry,
    CallerCountry: fromCountry,
    CalledCountry: toCountry,
    FromCity: '',
    FromState: '',
    FromZip: '',
    ToCity: '',
    ToState: '',
    ToZip: '',
    CallerCity: '',
    CallerState: '',
    CallerZip: '',
    CalledCity: '',
    CalledState: '',
    CalledZip: '',
    ...(p.extra ?? {}),
  };
}

/** A call's parameters as one webhook sends them, with the call's status at that moment. */
export function withCallStatus(
  params: Record<string, string>,
  callStatus = 'in-progress',
): Record<string, string> {
  return { ...params, CallStatus: callStatus };
}
