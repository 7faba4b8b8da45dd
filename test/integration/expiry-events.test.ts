import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { certificateSigningKey, deletionCertificate } from '../../src/lifecycle/certificate';
import { scheduleRetention } from '../../src/lifecycle/retention-job';
import { startGateway, type Gateway } from '../support/gateway';
import { WebhookReceiver } from '../support/webhook-receiver';

const SECRET = `whsec_${crypto.randomBytes(24).toString('base64')}`;
/** 0.00001 days is 0.864 s. */
const SHORT = 0.00001;
let dir: string;
let gw: Gateway;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await WebhookReceiver.start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'expiry-'));
  const operator = path.join(dir, 'gateway.config.json');
  fs.writeFileSync(
    operator,
    JSON.stringify({
      purposes: [
        { id: 'call', retentionDays: SHORT },
        { id: 'ai_training', retentionDays: 1000 },
        { id: 'personalization', retentionDays: SHORT },
      ],
    }),
  );
  gw = await startGateway(
    { CRM_WEBHOOK_URL: receiver.url, CRM_WEBHOOK_SECRET: SECRET, GATEWAY_CONFIG: operator },
    { dir },
  );
});
afterAll(async () => {
  await gw.close();
  await receiver.down();
  fs.rmSync(dir, { recursive: true, force: true });
});

const timePasses = () =>
  gw.runtime.ledger.db.prepare("UPDATE jobs SET run_at = 0 WHERE status = 'pending'").run();

test('an expiry reaches the CRM as consent.expired (channel retention, with the number) and gets a complete certificate', async () => {
  const from = `+49151${crypto.randomInt(1e6, 1e7)}`;
  const call = gw.emulator.placeCall({ from, to: '+4930123456', fromCountry: 'DE', recordingSeconds: 12 });
  await call.start();
  for (const k of ['1', '2', '1']) await call.press(k);
  await gw.emulator.settle();
  await gw.runJobs();
  const consentId = gw.report(call.callSid).consentId!;
  expect(gw.report(call.callSid).clip.status).toBe('stored');
  await new Promise((resolve) => setTimeout(resolve, 1_200));

  scheduleRetention(gw.runtime.ledger, new Date());
  await gw.runJobs();
  timePasses();
  await gw.runJobs();
  const events = receiver.received.map(
    (r) => new Webhook(SECRET).verify(r.body, r.headers) as { type: string; data: Record<string, unknown> },
  );
  const expired = events.find((e) => e.type === 'consent.expired');
  expect(expired?.data).toMatchObject({
    consentId,
    caller: from,
    channel: 'retention',
    status: 'expired',
    purposes: { call: false, ai_training: false, personalization: false },
  });
  const cert = deletionCertificate(gw.runtime.ledger, consentId, certificateSigningKey(gw.runtime.ledger))!;
  expect(cert).toMatchObject({ reason: 'expired', status: 'complete' });
  expect(cert.items.map((i) => i.system).sort()).toEqual(['crm', 'keyring', 'ledger', 's3', 'twilio']);
});
