import { loadConfig } from '../../src/config';
import { addUser, Client, seedConsent, startPortal, type Portal, type Seeded } from './audit-support';

let portal: Portal;
let seeded: Seeded;
const AT = new Date('2026-03-03T09:41:07.000Z');

beforeAll(async () => {
  portal = await startPortal({ PORTAL_TIME_ZONE: 'Asia/Tokyo' });
  seeded = await seedConsent(portal.rt, { at: AT });
});
afterAll(() => portal.close());

test('When the portal’s time zone is set, then pages show times in it and keep the UTC instant in datetime and on hover', async () => {
  const auditor = new Client(portal.url);
  await auditor.login(await addUser(portal, 'auditor'));
  await auditor.statReason();
  const html = await (await auditor.get(`/audit/consents/${seeded.consentId}`)).text();
  // 09:41:11 UTC (the consent, 4 s after the call began) is 18:41:11 in Tokyo.
  expect(html).toContain(
    '<time datetime="2026-03-03T09:41:11.000Z" title="2026-03-03 09:41:11.000 UTC">03/03/2026, 18:41:11 GMT+9</time>',
  );
  expect(html).toContain('Times in Asia/Tokyo');
});

test('When an admin reads the access log, then its times are in the portal’s zone on the page and in UTC in the CSV', async () => {
  const admin = new Client(portal.url);
  await admin.login(await addUser(portal, 'admin'));
  const html = await (await admin.get('/audit/access-log')).text();
  const shown = /<time datetime="([^"]+)" title="[^"]+ UTC">([^<]+)<\/time>/.exec(html);
  expect(shown).not.toBeNull();
  const tokyo = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Tokyo',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(shown?.[1] ?? ''));
  expect(shown?.[2]).toContain(tokyo);
  const csv = await (await admin.get('/audit/access-log?format=csv')).text();
  expect(csv).toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/);
});

test('When PORTAL_TIME_ZONE or PORTAL_DEFAULT_COUNTRY is not valid, then start-up names the variable', () => {
  expect(() => loadConfig({ PORTAL_TIME_ZONE: 'Mars/Olympus' } as NodeJS.ProcessEnv)).toThrow(
    /PORTAL_TIME_ZONE: "Mars\/Olympus"/,
  );
  expect(() => loadConfig({ PORTAL_DEFAULT_COUNTRY: 'XX' } as NodeJS.ProcessEnv)).toThrow(
    /PORTAL_DEFAULT_COUNTRY: "XX"/,
  );
  expect(loadConfig({} as NodeJS.ProcessEnv).portal).toEqual({
    timeZone: 'Europe/Berlin',
    defaultCountry: 'DE',
  });
});
