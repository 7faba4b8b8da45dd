jest.setTimeout(60_000);

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addUser, Client, seedConsent, startPortal, type Portal } from './audit-support';

const DAY = 86_400_000;
let portal: Portal;
let configDir: string;

beforeAll(async () => {
  configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'retention-portal-'));
  const file = path.join(configDir, 'gateway.config.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      purposes: [
        { id: 'call', retentionDays: 40 },
        { id: 'ai_training', retentionDays: 365 },
      ],
    }),
  );
  portal = await startPortal({ GATEWAY_CONFIG: file });
});
afterAll(async () => {
  await portal.close();
  fs.rmSync(configDir, { recursive: true, force: true });
});

test('auditors and ops see which consents expire in the next 30 days, soonest first, and nothing later', async () => {
  const soon = await seedConsent(portal.rt, { at: new Date(Date.now() - 25 * DAY) });
  const sooner = await seedConsent(portal.rt, { at: new Date(Date.now() - 39 * DAY) });
  const later = await seedConsent(portal.rt, { at: new Date(Date.now() - 1 * DAY) });
  const declined = await seedConsent(portal.rt, {
    decision: 'declined',
    at: new Date(Date.now() - 39 * DAY),
  });
  for (const role of ['auditor', 'ops'] as const) {
    const client = new Client(portal.url);
    await client.login(await addUser(portal, role));
    const res = await client.get('/audit/retention');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(sooner.consentId);
    expect(html).toContain(soon.consentId);
    expect(html.indexOf(sooner.consentId)).toBeLessThan(html.indexOf(soon.consentId));
    expect(html).not.toContain(later.consentId);
    expect(html).not.toContain(declined.consentId);
    // Dates and IDs only: no caller number on the page.
    expect(html).not.toContain(soon.from);
  }
  const admin = new Client(portal.url);
  await admin.login(await addUser(portal, 'admin'));
  expect((await admin.get('/audit/retention')).status).toBe(403);
});
