import crypto from 'node:crypto';
import twilio from 'twilio';

/**
 * True when X-Twilio-Signature matches the URL Twilio was given (the public base URL plus the path
 * and query) and the POST parameters. The exact URL is checked first, with one HMAC; only a
 * mismatch pays for the library's variants (with and without the port, normalised escapes).
 */
export function validTwilioSignature(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: Record<string, string | string[]>,
): boolean {
  if (!signature) return false;
  const expected = Buffer.from(twilio.getExpectedTwilioSignature(authToken, url, params));
  const given = Buffer.from(signature);
  if (expected.length === given.length && crypto.timingSafeEqual(expected, given)) return true;
  return twilio.validateRequest(authToken, signature, url, params);
}
