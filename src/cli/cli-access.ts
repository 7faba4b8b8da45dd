import os from 'node:os';
import { AccessLog } from '../audit/access-log';
import type { Ledger } from '../ledger';

/** The operating-system user running the command: the command line's answer to "who read this". */
export function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/**
 * Writes a command-line read of consent data or audio to the portal's access log (same chain,
 * same page), naming the operating-system user and the reason given with --reason.
 */
export function logCliAccess(
  ledger: Ledger,
  action: string,
  what: {
    consentId?: string | null;
    callSid?: string | null;
    reason?: string;
    detail?: Record<string, unknown>;
  },
): void {
  new AccessLog(ledger).append({
    action,
    userId: null,
    email: osUser(),
    role: 'cli',
    ip: null,
    reason: what.reason?.trim().slice(0, 500) || null,
    via: 'cli',
    consentId: what.consentId ?? null,
    callSid: what.callSid ?? null,
    detail: what.detail,
  });
}
