/** The signature Twilio puts on every webhook, so tests can sign requests of their own as Twilio does. */
import { createHmac } from 'node:crypto';

/** X-Twilio-Signature: base64 HMAC-SHA1 of the full URL followed by each POST key+value, sorted by key. */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf-8')).digest('base64');
}
