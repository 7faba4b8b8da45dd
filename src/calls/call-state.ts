import crypto from 'node:crypto';
import type { CallState } from '../flow/types';
import { randomBytes } from '../crypto/random';

/**
 * The call state rides in Twilio's action URLs between two webhooks. Twilio's signature alone does
 * not protect it: anyone holding the auth token (an empty development one, a leaked one) could
 * write a state naming someone else's consent. So it is sealed with AES-256-GCM under a key
 * derived for this one use, with the CallSid as associated data: a state opens only in the call
 * it was made for, and nobody outside can read or change it.
 *
 * Token: base64url(version ‖ iv (12) ‖ tag (16) ‖ ciphertext). One GCM operation on ~100 bytes per
 * webhook: a few microseconds.
 */
const VERSION = 1;
const IV_LEN = 12;
const TAG_LEN = 16;
const MAX_TOKEN = 2000;
const QUESTIONS = new Set(['main', 'purpose', 'sms', 'lang']);

export interface OpenedState {
  state: CallState;
  /**
   * Names this question instance (the state holds its start time): a second answer to it can
   * only be Twilio repeating the webhook. From the plaintext, as the IV makes each token unique.
   */
  instance: string;
}

const aad = (callSid: string): Buffer => Buffer.from(`call-state\n${callSid}`, 'utf8');

export class CallStateSeal {
  constructor(private readonly key: () => Buffer) {}

  seal(state: CallState, callSid: string): string {
    const iv = randomBytes(IV_LEN);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key(), iv);
    cipher.setAAD(aad(callSid));
    const ct = Buffer.concat([cipher.update(JSON.stringify(state), 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), ct]).toString('base64url');
  }

  /** The state, or null when it is missing, altered, sealed for another call or not a state. */
  open(token: string | undefined, callSid: string): OpenedState | null {
    if (!token || token.length > MAX_TOKEN) return null;
    const raw = Buffer.from(token, 'base64url');
    if (raw.length <= 1 + IV_LEN + TAG_LEN || raw[0] !== VERSION) return null;
    let plain: Buffer;
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.key(), raw.subarray(1, 1 + IV_LEN));
      decipher.setAAD(aad(callSid));
      decipher.setAuthTag(raw.subarray(1 + IV_LEN, 1 + IV_LEN + TAG_LEN));
      plain = Buffer.concat([decipher.update(raw.subarray(1 + IV_LEN + TAG_LEN)), decipher.final()]);
    } catch {
      return null;
    }
    const state = parseState(plain.toString('utf8'));
    if (!state) return null;
    const instance = crypto.createHash('sha256').update(plain).digest('base64url').slice(0, 22);
    return { state, instance };
  }
}

/** Shape check after authentication: a state we sealed ourselves, but from an older release perhaps. */
function parseState(json: string): CallState | null {
  let parsed: Partial<CallState>;
  try {
    parsed = JSON.parse(json) as Partial<CallState>;
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  if (typeof parsed.lng !== 'string' || !QUESTIONS.has(parsed.q ?? '')) return null;
  if (typeof parsed.pi !== 'number' || typeof parsed.miss !== 'number') return null;
  if (typeof parsed.ans !== 'object' || parsed.ans === null) return null;
  if (parsed.cid !== undefined && typeof parsed.cid !== 'string') return null;
  if (parsed.cc !== undefined && !(typeof parsed.cc === 'string' && /^[A-Z]{2}$/.test(parsed.cc)))
    return null;
  if (parsed.v !== undefined && typeof parsed.v !== 'string') return null;
  if (parsed.age !== undefined && !(Number.isInteger(parsed.age) && parsed.age >= 0 && parsed.age <= 21))
    return null;
  return parsed as CallState;
}
