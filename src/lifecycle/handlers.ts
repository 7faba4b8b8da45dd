import type { Logger } from 'pino';
import type { Config } from '../config';
import type { JobHandler } from '../jobs/queue';
import type { Ledger } from '../ledger';
import { createCrmDelivery } from '../outbound/crm-delivery';
import { CRM_JOB } from '../outbound/crm-events';
import { createReceiptJob, RECEIPT_JOB } from '../outbound/receipts';
import { CODE_SMS_JOB, createCodeSmsJob } from '../privacy/code-sms';
import type { PrivacyTexts } from '../privacy/texts';
import type { ClipStore } from '../storage/clip-store';
import type { TwilioApi } from '../twilio/rest';
import { createCertifyJob } from './certify-job';
import { CERTIFY_JOB } from './deletion';

/** The background work of the data-subject lifecycle: CRM deliveries, receipts, deletion certificates. */
export function createLifecycleHandlers(d: {
  ledger: Ledger;
  store: ClipStore;
  twilio: TwilioApi;
  texts: PrivacyTexts;
  config: Config;
  log: Logger;
  clock?: () => Date;
}): Record<string, JobHandler> {
  return {
    [CRM_JOB]: createCrmDelivery({ ledger: d.ledger, crm: d.config.crm, clock: d.clock }),
    [RECEIPT_JOB]: createReceiptJob({
      ledger: d.ledger,
      twilio: d.twilio,
      texts: d.texts,
      company: d.config.operator.company,
      publicBaseUrl: d.config.publicBaseUrl,
      clock: d.clock,
    }),
    [CODE_SMS_JOB]: createCodeSmsJob({ ledger: d.ledger, twilio: d.twilio, clock: d.clock }),
    [CERTIFY_JOB]: createCertifyJob({
      ledger: d.ledger,
      store: d.store,
      twilio: d.twilio,
      log: d.log,
      clock: d.clock,
    }),
  };
}
