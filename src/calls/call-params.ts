export type Params = Record<string, string | undefined>;

/** A request Twilio never sends (no CallSid at all): the one case a webhook answers 4xx. */
export class BadRequest extends Error {
  readonly status = 400;
}

/**
 * A correctly signed request that cannot be served as planned (a state that does not open for
 * this call, a malformed id): a voice webhook answers the fail-safe TwiML, a callback is
 * acknowledged without writing. Nothing Twilio would fix by retrying.
 */
export class Unservable extends Error {}

export const CALL_SID = /^CA[0-9a-fA-F]{32}$/;

/**
 * Twilio's speech confidence, as sent; never a default. Speech comes with a Confidence, so speech
 * without one (or with one that is not a number) is NaN: never a confident recognition, whatever
 * the classifier does with a missing value. Without speech there is nothing to be confident about.
 */
export function confidenceOf(raw: string | undefined, speech: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return speech ? Number.NaN : undefined;
  return Number(raw);
}

export function requireCallSid(params: Params): string {
  const sid = params.CallSid;
  if (!sid) throw new BadRequest('CallSid is missing');
  if (!CALL_SID.test(sid)) throw new Unservable('CallSid is malformed');
  return sid;
}
