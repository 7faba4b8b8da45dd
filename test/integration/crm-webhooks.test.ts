import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { crmEventSchema } from '../../src/outbound/crm-schema';
import { startGateway, type Gateway } from '../support/gateway';
import { WebhookReceiver, type ReceivedWebhook } from '../support/webhook-receiver';

const SECRET = `whsec_${crypto.randomBytes(32).toString('base64')}`;
const verifier = new Webhook(SECRET);

interface CrmEvent {
  type: string;
  timestamp: string;
  data: {
    consentId: string;
    callSid: string;
    caller: string | null;
    purposes: Record<string, boolean>;
    status: string;
    channel: string;
    reference?: string;
  };
}

/** What a CRM does with a request: verify the signature (throws if wrong), then read the event. */
const verified = (w: ReceivedWebhook): CrmEvent => {
  const event = verifier.verify(w.body, w.headers);
  // Every delivery matches the schema integrators get (docs/crm-events.schema.json).
  expect(crmEventSchema.safeParse(event).error).toBeUndefined();
  return event as CrmEvent;
};

let receiver: WebhookReceiver;
let dir: string;
let gw: Gateway;

const crmEnv = () => ({ CRM_WEBHOOK_URL: receiver.url, CRM_WEBHOOK_SECRET: SECRET });
const number = () => `+49151${crypto.randomInt(1e6, 1e7)}`;
const crmJobs = () =>
  gw.runtime.ledger.db.prepare("SELECT * FROM jobs WHERE kind = 'crm_event' ORDER BY id").all() as Array<{
    id: number;
    payload: string;
    status: string;
    attempts: number;
    run_at: number;
    last_error: string | null;
  }>;
/** The retry time has come: what the runner would find after waiting. */
const timePasses = () =>
  gw.runtime.ledger.db.prepare("UPDATE jobs SET run_at = 0 WHERE status = 'pending'").run();

async function call(from: string, keys: string[]): Promise<string> {
  const c = gw.emulator.placeCall({ from, to: '+4930123456', fromCountry: 'DE' });
  await c.start();
  for (const k of keys) await c.press(k);
  await gw.emulator.settle();
  return c.callSid;
}

beforeEach(async () => {
  receiver = await WebhookReceiver.start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-'));
  gw = await startGateway(crmEnv(), { dir });
});
afterEach(async () => {
  await gw.close();
  await receiver.down();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('each decision of a call reaches the CRM as a verifiable Standard Webhooks event, per purpose, and key 0 as a withdrawal', async () => {
  const from = number();
  const callSid = await call(from, ['1', '1', '2']);
  await gw.runJobs();
  const events = receiver.received.map(verified);
  expect(events.map((e) => e.type)).toEqual(['consent.granted', 'consent.granted', 'consent.declined']);
  const last = events[2]!;
  expect(last.data).toMatchObject({
    callSid,
    caller: from,
    purposes: { call: true, ai_training: true, personalization: false },
    status: 'active',
    channel: 'call',
  });
  expect(last.data.consentId).toBe(gw.report(callSid).consentId);
  expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(3);
  // The number never sits in the outbox in clear.
  for (const job of crmJobs()) expect(job.payload).not.toContain(from.slice(3));

  await call(from, ['0']);
  await gw.runJobs();
  const withdrawal = verified(receiver.received[3]!);
  expect(withdrawal).toMatchObject({
    type: 'consent.withdrawn',
    data: {
      consentId: last.data.consentId,
      caller: from,
      status: 'withdrawn',
      channel: 'call',
      purposes: { call: false, ai_training: false, personalization: false },
    },
  });
  expect(withdrawal.data.reference).toMatch(/^WDR-\d{8}-[0-9A-F]{8}$/);
});

test('a CRM that fails gets the same event again, same webhook-id, until it answers 2xx, and never after', async () => {
  receiver.mode = { status: 500 };
  await call(number(), ['2']);
  const before = Date.now();
  await gw.runJobs();
  const [job] = crmJobs();
  expect(job).toMatchObject({ status: 'pending', attempts: 1, last_error: 'HTTP 500' });
  // The first retry comes within two minutes.
  expect(job!.run_at - before).toBeLessThanOrEqual(120_000);

  timePasses();
  await gw.runJobs();
  receiver.mode = { status: 200 };
  timePasses();
  await gw.runJobs();
  expect(receiver.received.map((r) => r.answered)).toEqual([500, 500, 200]);
  expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
  for (const r of receiver.received) expect(verified(r).type).toBe('consent.declined');
  expect(crmJobs()[0]).toMatchObject({ status: 'done', attempts: 3 });

  timePasses();
  await gw.runJobs();
  expect(receiver.received).toHaveLength(3);
  // Delivered: the number has left the outbox altogether.
  expect(
    gw.runtime.ledger.db.prepare("SELECT COUNT(*) FROM events WHERE type = 'crm_delivered'").pluck().get(),
  ).toBe(1);
});

test('a CRM that does not answer within 10 s counts as a failed attempt', async () => {
  receiver.mode = 'hang';
  await call(number(), ['2']);
  const started = Date.now();
  await gw.runJobs();
  const took = Date.now() - started;
  expect(took).toBeGreaterThanOrEqual(9_500);
  expect(took).toBeLessThan(20_000);
  expect(crmJobs()[0]).toMatchObject({ status: 'pending', attempts: 1, last_error: 'no answer within 10 s' });
}, 30_000);

test('events written while the CRM is down are delivered once after the service restarts', async () => {
  await receiver.down();
  const from = number();
  await call(from, ['1', '2', '2']);
  await gw.runJobs();
  expect(crmJobs().every((j) => j.status === 'pending' && j.attempts === 1)).toBe(true);
  await gw.close();

  await receiver.up();
  gw = await startGateway(crmEnv(), { dir });
  timePasses();
  await gw.runJobs();
  timePasses();
  await gw.runJobs();
  const events = receiver.received.map(verified);
  expect(events.map((e) => e.type)).toEqual(['consent.granted', 'consent.declined', 'consent.declined']);
  expect(events.every((e) => e.data.caller === from)).toBe(true);
  expect(crmJobs().every((j) => j.status === 'done')).toBe(true);
});

test('a caller on SIP or Twilio Client reaches the CRM with caller null (no E.164 to match on) and their address as callerAddress', async () => {
  for (const from of ['sip:Bob@example.sip.twilio.com', 'client:alice']) await call(from, ['1', '1', '1']);
  await gw.runJobs();
  const events = receiver.received.map(verified);
  expect(events).toHaveLength(6);
  expect(new Set(events.map((e) => e.data.caller))).toEqual(new Set([null]));
  expect(new Set(events.map((e) => (e.data as { callerAddress?: string }).callerAddress))).toEqual(
    new Set(['sip:bob@example.sip.twilio.com', 'client:alice']),
  );
});
