import type { JobHandler } from '../jobs/queue';
import type { Ledger } from '../ledger';
import { openFromOutbox } from '../outbound/crm-events';
import type { TwilioApi } from '../twilio/rest';
import { CODE_SMS_JOB } from './codes';

export { CODE_SMS_JOB };

/**
 * Sends a /privacy one-time code. Queued rather than sent while the page waits, so that the
 * answer takes as long for a known number as for an unknown one. The job holds number and code
 * sealed; once sent, the payload is emptied.
 */
export function createCodeSmsJob(d: { ledger: Ledger; twilio: TwilioApi; clock?: () => Date }): JobHandler {
  return async (payload, job) => {
    if (typeof payload.sealed !== 'string') return;
    const sms = openFromOutbox<{ to: string; from: string; body: string }>(d.ledger, payload.sealed);
    await d.twilio.sendSms(sms);
    d.ledger.transaction(() => {
      d.ledger.sql("UPDATE jobs SET payload = '{}' WHERE id = ?").run(job.id);
      d.ledger.append([
        { type: 'privacy_code_sent', at: d.clock ? d.clock() : new Date(), data: { channel: 'sms' } },
      ]);
    });
  };
}
