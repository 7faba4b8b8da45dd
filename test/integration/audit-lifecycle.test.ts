import crypto from 'node:crypto';
import { addUser, Client, seedConsent, startPortal, type Portal } from './audit-support';
import { WebhookReceiver } from '../support/webhook-receiver';

const SECRET = `whsec_${crypto.randomBytes(24).toString('base64')}`;
let portal: Portal;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await WebhookReceiver.start();
  receiver.mode = { status: 503 };
  portal = await startPortal({ CRM_WEBHOOK_URL: receiver.url, CRM_WEBHOOK_SECRET: SECRET });
});
afterAll(async () => {
  await portal.close();
  await receiver.down();
});

const ledger = () => portal.rt.ledger;
const idIn = (html: string) => /WDR-\d{8}-[0-9A-F]{8}/.exec(html)?.[0];

test('staff record a withdrawal received by phone: same operation as key 0, logged with who did it, and they see no caller data', async () => {
  const seeded = await seedConsent(portal.rt, { withClip: true });
  const staff = await addUser(portal, 'staff');
  const client = new Client(portal.url);
  await client.login(staff);
  expect((await client.get('/audit/record-withdrawal')).status).toBe(200);
  // Staff have no search and no audio.
  expect((await client.get('/audit/consents?number=%2B49')).status).toBe(403);
  expect((await client.get(`/audit/consents/${seeded.consentId}/clip`)).status).toBe(403);

  const refused = await client.post('/audit/record-withdrawal', {
    caller: seeded.from,
    channel: 'phone',
    ticket: '',
  });
  expect(refused.status).toBe(400);
  expect(ledger().getConsent(seeded.consentId)!.status).toBe('active');

  const res = await client.post('/audit/record-withdrawal', {
    caller: seeded.from,
    channel: 'phone',
    ticket: 'TCK-4711',
    note: `Caller ${seeded.from} phoned the hotline`,
  });
  expect(res.status).toBe(201);
  const html = await res.text();
  expect(idIn(html)).toBeDefined();
  expect(html).toContain(`/audit/certificates/${seeded.consentId}`);
  expect(ledger().getConsent(seeded.consentId)!.status).toBe('withdrawn');
  const event = ledger()
    .db.prepare("SELECT data FROM events WHERE type = 'withdrawn' AND consent_id = ?")
    .pluck()
    .get(seeded.consentId) as string;
  expect(JSON.parse(event)).toMatchObject({ channel: 'phone', ticket: 'TCK-4711', by: staff.email });
  // The note may name the caller: it is sealed with the caller's key, never in the ledger in clear.
  expect(event).not.toContain(seeded.from.slice(3));
  const entry = portal.rt.ledger.db
    .prepare("SELECT data FROM access_log WHERE type = 'withdrawal_recorded' ORDER BY seq DESC LIMIT 1")
    .pluck()
    .get() as string;
  expect(JSON.parse(entry)).toMatchObject({ user: staff.email, role: 'staff' });
  expect(entry).not.toContain(seeded.from.slice(3));
  await portal.rt.jobs.runDue();
  expect(ledger().getClip(seeded.consentId)!.status).toBe('deleted');

  const cert = await client.get(`/audit/certificates/${seeded.consentId}`);
  expect(cert.status).toBe(200);
  expect(await cert.text()).toMatch(/withdrawn/);
  // The CRM is told, and admins see how that went; staff do not.
  expect((await client.get('/audit/crm')).status).toBe(403);
});

test('an auditor withdraws one consent by its ID received by letter', async () => {
  const seeded = await seedConsent(portal.rt);
  const client = new Client(portal.url);
  await client.login(await addUser(portal, 'auditor'));
  const res = await client.post('/audit/record-withdrawal', {
    consentId: seeded.consentId,
    channel: 'letter',
    ticket: 'Brief 2026-12-01',
  });
  expect(res.status).toBe(201);
  expect(ledger().getConsent(seeded.consentId)!.status).toBe('withdrawn');
});

test('admins see each CRM delivery with status, attempts and last error, and replay one', async () => {
  const seeded = await seedConsent(portal.rt);
  const staff = new Client(portal.url);
  await staff.login(await addUser(portal, 'staff'));
  await staff.post('/audit/record-withdrawal', {
    consentId: seeded.consentId,
    channel: 'email',
    ticket: 'M-1',
  });
  await portal.rt.jobs.runDue();

  const admin = new Client(portal.url);
  await admin.login(await addUser(portal, 'admin'));
  const page = await (await admin.get('/audit/crm')).text();
  expect(page).toMatch(/consent\.withdrawn/);
  expect(page).toMatch(/HTTP 503/);

  receiver.mode = { status: 200 };
  ledger().db.prepare("UPDATE jobs SET run_at = 0 WHERE status = 'pending'").run();
  await portal.rt.jobs.runDue();
  const job = ledger()
    .db.prepare(
      "SELECT id, status FROM jobs WHERE kind = 'crm_event' AND json_extract(payload, '$.consentId') = ?",
    )
    .get(seeded.consentId) as { id: number; status: string };
  expect(job.status).toBe('done');
  const before = receiver.received.length;
  expect((await admin.post(`/audit/crm/${job.id}/replay`, {})).status).toBe(303);
  await portal.rt.jobs.runDue();
  expect(receiver.received.length).toBe(before + 1);
  const [first, replay] = receiver.received.filter((r) => r.body.includes(seeded.consentId)).slice(-2);
  expect(replay!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
});
