import crypto from 'node:crypto';
import { randomBytes } from '../crypto/random';

/** Content addressing: the same text in the same language is the same notice, on every machine. */
export function noticeIdOf(locale: string, kind: 'text' | 'audio', content: string): string {
  return crypto.createHash('sha256').update(`${kind}\n${locale}\n${content}`).digest('hex');
}

export function newConsentId(at: Date): string {
  const day = at.toISOString().slice(0, 10).replace(/-/g, '');
  // The pooled CSPRNG (crypto/random): a call into OpenSSL per 6 bytes was 3 % of an answer's write.
  return `CNS-${day}-${randomBytes(6).toString('hex').toUpperCase()}`;
}

/**
 * What Twilio sends as `From` when the caller withholds their number: a word (`anonymous`,
 * `restricted`, ...), or that word spelt on a keypad (+266696687 is ANONYMOUS). Such callers
 * share the "number", so it must not identify anyone: one withheld caller withdrawing must not
 * withdraw every other withheld caller's consent.
 */
const WITHHELD_KEYPAD = new Set([
  '+266696687', // ANONYMOUS
  '+7378742833', // RESTRICTED
  '+86282452253', // UNAVAILABLE
  '+2562533', // BLOCKED
  '+8656696', // UNKNOWN
  '+7748283', // PRIVATE
]);

export function isWithheldNumber(number: string): boolean {
  const n = normalizeNumber(number);
  if (/^(sip:|client:)/.test(n)) return false;
  return !/\d{3,}/.test(n) || WITHHELD_KEYPAD.has(n);
}

/** One caller, one hash, however the number was written. */
export function normalizeNumber(number: string): string {
  const trimmed = number.trim();
  if (/^(sip:|client:)/i.test(trimmed)) return trimmed.toLowerCase();
  const digits = trimmed.replace(/[^\d+]/g, '');
  if (digits.startsWith('00')) return `+${digits.slice(2)}`;
  return digits;
}
