/** How Twilio writes its API version, resource sids and dates, shared by the REST API and the webhooks. */
import { randomBytes } from 'node:crypto';

export const API_VERSION = '2010-04-01';

export function newSid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

/** RFC 2822 date as Twilio writes it: "Tue, 10 Jun 2025 12:00:00 +0000". */
export function rfc2822(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}
