import { eraseCaller, withdrawConsents, type Channel } from '../lifecycle/withdraw';
import type { Ledger } from '../ledger';
import { NO_OUTBOUND, type Outbound } from '../outbound/crm-events';

export { CHANNELS, type Channel } from '../lifecycle/withdraw';

/**
 * `consent withdraw`: a withdrawal received outside the call (e-mail, phone, letter), for scripts.
 * The same operation as every other channel (src/lifecycle/withdraw.ts); returns the withdrawn IDs.
 */
export function withdraw(
  ledger: Ledger,
  target: { caller?: string; consentId?: string },
  channel: Channel,
  at: Date,
  outbound: Outbound = NO_OUTBOUND,
): string[] {
  return withdrawConsents(ledger, { ...target, channel, at, outbound }).consents.map((c) => c.consentId);
}

/** `consent erase`: Art. 17 erasure (see eraseCaller). */
export function erase(
  ledger: Ledger,
  caller: string,
  channel: Channel,
  at: Date,
  outbound: Outbound = NO_OUTBOUND,
): { withdrawn: string[] } {
  return { withdrawn: eraseCaller(ledger, caller, channel, at, outbound).consents.map((c) => c.consentId) };
}
