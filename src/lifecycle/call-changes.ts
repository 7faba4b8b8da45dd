import type { FlowEvent } from '../flow/types';
import type { Ledger } from '../ledger';
import { enqueueCrmEvent, type Outbound } from '../outbound/crm-events';
import { enqueueReceipt } from '../outbound/receipts';
import { newReference } from './deletion';
import { afterWithdrawal } from './withdraw';

/**
 * What the other systems hear of one answer in a call, written in the webhook's transaction: a
 * CRM event per decision (the main question and each purpose), the receipt once per consent, and
 * for key 0 the withdrawal's CRM events and deletion certificates. Returns the withdrawal reference.
 */
export function callChanges(
  ledger: Ledger,
  outbound: Outbound,
  c: { events: FlowEvent[]; consentId: string | null; withdrawn: string[]; at: Date },
): { reference: string | null } {
  for (const e of c.events) {
    if ((e.type !== 'granted' && e.type !== 'declined') || !c.consentId) continue;
    // Nothing goes out for this decision: no need to read the consent row.
    if (!outbound.crm && !(e.type === 'granted' && e.main && outbound.receipts)) continue;
    const consent = ledger.getConsent(c.consentId);
    if (!consent) continue;
    enqueueCrmEvent(ledger, outbound, {
      type: e.type === 'granted' ? 'consent.granted' : 'consent.declined',
      consent,
      channel: 'call',
      at: c.at,
      purpose: e.purpose,
    });
    if (e.type === 'granted' && e.main && outbound.receipts) enqueueReceipt(ledger, consent.id, c.at);
  }
  if (c.withdrawn.length === 0) return { reference: null };
  const reference = newReference(c.at);
  for (const consentId of c.withdrawn)
    afterWithdrawal(ledger, outbound, { consentId, channel: 'call', at: c.at, reference });
  return { reference };
}
