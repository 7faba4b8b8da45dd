import type { Config } from '../config';
import type { Outbound } from './crm-events';

/** Which outbound messages a deployment sends, from its configuration. */
export function outboundOf(
  config: Pick<Config, 'crm' | 'receiptSms'> & { operator?: { crmHandoverEvents?: boolean } },
): Outbound {
  return {
    crm: config.crm !== null,
    receipts: config.receiptSms,
    handovers: config.crm !== null && config.operator?.crmHandoverEvents === true,
  };
}
