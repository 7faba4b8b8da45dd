/**
 * Whether an SMS can go to (or come from) this address: an E.164 phone number. A caller on a SIP
 * domain or a Twilio Client (`sip:…`, `client:…`), or a line reached by SIP, has none: Twilio
 * refuses the message (21211, 21212), and a job retrying it would only fail again for days.
 */
export function isSmsNumber(address: string | null | undefined): address is string {
  return typeof address === 'string' && /^\+[1-9]\d{1,14}$/.test(address);
}
