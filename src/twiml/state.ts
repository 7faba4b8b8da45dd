import type { CallState } from '../flow/types';

/** The call state rides in each action URL (Twilio signs the URL), so any instance can answer. */
export const encodeState = (state: CallState): string =>
  Buffer.from(JSON.stringify(state)).toString('base64url');

/** Null for anything that is not a state this service wrote: the voice route then fails safe. */
export function decodeState(token: string | undefined): CallState | null {
  if (!token || token.length > 2000) return null;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<CallState>;
    if (typeof parsed.lng !== 'string' || !['main', 'purpose', 'sms', 'lang'].includes(parsed.q ?? ''))
      return null;
    if (
      typeof parsed.pi !== 'number' ||
      typeof parsed.miss !== 'number' ||
      typeof parsed.ans !== 'object' ||
      parsed.ans === null
    )
      return null;
    if (parsed.age !== undefined && !(Number.isInteger(parsed.age) && parsed.age >= 0 && parsed.age <= 21))
      return null;
    return parsed as CallState;
  } catch {
    return null;
  }
}
