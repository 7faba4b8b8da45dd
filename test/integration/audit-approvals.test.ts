import { AccessLog, type AccessRecord } from '../../src/audit/access-log';
import { ApiTokenStore } from '../../src/audit/sessions';
import { UserStore } from '../../src/audit/users';
import { addUser, Client, seedConsent, startPortal, type Portal, type TestUser } from './audit-support';

const menu = (html: string): string[] =>
  [...(/<nav aria-label="main">([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '').matchAll(/href="([^"]+)"/g)].map(
    (m) => m[1] ?? '',
  );

describe('menu entries only where they do something', () => {
  test('When four-eyes and the CRM are off, then no Approvals or CRM entry is shown; with them on, they are', async () => {
    const off = await startPortal();
    const on = await startPortal({
      AUDIT_FOUR_EYES: 'true',
      CRM_WEBHOOK_URL: 'http://127.0.0.1:9/crm',
      CRM_WEBHOOK_SECRET: `whsec_${Buffer.alloc(24, 7).toString('base64')}`,
    });
    try {
      for (const [portal, expected] of [
        [off, false],
        [on, true],
      ] as const) {
        const auditor = new Client(portal.url);
        await auditor.login(await addUser(portal, 'auditor'));
        const admin = new Client(portal.url);
        await admin.login(await addUser(portal, 'admin'));
        const auditorMenu = menu(await (await auditor.get('/audit/')).text());
        const adminMenu = menu(await (await admin.get('/audit/')).text());
        expect(auditorMenu.includes('/audit/approvals')).toBe(expected);
        expect(adminMenu.includes('/audit/crm')).toBe(expected);
        // Pages every deployment has stay: the search, the checkpoints, the public verify page.
        expect(auditorMenu).toEqual(
          expect.arrayContaining(['/audit/consents', '/audit/ledger', '/audit/verify']),
        );
        // The start page lists the same entries as the menu.
        const home = await (await auditor.get('/audit/')).text();
        expect(home.includes('<li><a href="/audit/approvals">')).toBe(expected);
      }
    } finally {
      await off.close();
      await on.close();
    }
  });
});

describe('four-eyes requests: pending, approved, rejected with a reason', () => {
  let portal: Portal;
  let requester: Client;
  let second: Client;
  let secondUser: TestUser;
  beforeAll(async () => {
    portal = await startPortal({ AUDIT_FOUR_EYES: 'true' });
    requester = new Client(portal.url);
    second = new Client(portal.url);
    await requester.login(await addUser(portal, 'auditor'));
    secondUser = await addUser(portal, 'auditor');
    await second.login(secondUser);
    await requester.statReason('Complaint by the caller, ticket 7');
  });
  afterAll(() => portal.close());

  const accessLog = (action: string): AccessRecord[] =>
    new AccessLog(portal.rt.ledger).list().filter((r) => r.action === action);

  test('When an auditor asks to hear a clip, then the consent page and the approvals page show the request as pending to them', async () => {
    const seeded = await seedConsent(portal.rt, { withClip: true });
    await requester.post(`/audit/consents/${seeded.consentId}/approval`, {});
    const page = await (await requester.get(`/audit/consents/${seeded.consentId}`)).text();
    expect(page).toMatch(
      /id="approval-state" role="status" data-status="pending">Your request of [^<]+ is pending/,
    );
    // No second button while one request waits.
    expect(page).not.toContain('Request approval to play the recording');
    const approvals = await (await requester.get('/audit/approvals')).text();
    expect(approvals).toMatch(/<table id="approvals-mine"><thead><tr><th scope="col">Consent<\/th>/);
    expect(approvals).toMatch(
      new RegExp(`data-status="pending"><td><a href="/audit/consents/${seeded.consentId}"`),
    );
    expect(approvals).toContain('pending: waiting for a second auditor');
  });

  test('When the second auditor rejects with a reason, then it is logged like an approval and the requester reads why and may ask again', async () => {
    const seeded = await seedConsent(portal.rt, { withClip: true });
    await requester.post(`/audit/consents/${seeded.consentId}/approval`, {});
    const awaiting = await (await second.get('/audit/approvals')).text();
    expect(awaiting).toMatch(
      /<table id="approvals-awaiting"><thead><tr><th scope="col">Consent<\/th><th scope="col">Requested by<\/th><th scope="col">Reason given<\/th><th scope="col">Requested<\/th><th scope="col">Decision<\/th>/,
    );
    const id = new RegExp(`consents/${seeded.consentId}[\\s\\S]*?/audit/approvals/(\\d+)/reject`).exec(
      awaiting,
    )?.[1];
    expect(id).toBeDefined();
    // A reason is required; without one nothing changes.
    expect((await second.post(`/audit/approvals/${id}/reject`, { reason: '' })).status).toBe(400);
    // Nobody rejects their own request.
    expect((await requester.post(`/audit/approvals/${id}/reject`, { reason: 'not my own' })).status).toBe(
      404,
    );
    const reason = 'The ticket does not name this call; ask the caller first.';
    expect((await second.post(`/audit/approvals/${id}/reject`, { reason })).status).toBe(303);
    // Decided once: neither a second rejection nor an approval after it.
    expect((await second.post(`/audit/approvals/${id}/approve`, {})).status).toBe(404);
    expect((await second.post(`/audit/approvals/${id}/reject`, { reason: 'again, twice' })).status).toBe(404);

    const logged = accessLog('approval_rejected');
    expect(logged.map((r) => r.detail)).toContainEqual({ approval: Number(id), reason });
    expect(logged[0]?.user).toBe(secondUser.email);
    // Like the approval: both are entries of the hash-chained access log.
    expect(new AccessLog(portal.rt.ledger).verify().ok).toBe(true);
    const page = await (await requester.get(`/audit/consents/${seeded.consentId}`)).text();
    expect(page).toContain(
      `Your last request was rejected by ${secondUser.email}: “${reason}”. You may ask again.`,
    );
    expect(page).toContain('Request approval to play the recording');
    expect((await requester.get(`/audit/consents/${seeded.consentId}/clip`)).status).toBe(403);
    const mine = await (await requester.get('/audit/approvals')).text();
    expect(mine).toMatch(/data-status="rejected"/);
    expect(mine).toContain(reason);
  });

  test('Through the API: an auditor rejects with a reason in JSON and the requester lists their requests', async () => {
    const seeded = await seedConsent(portal.rt, { withClip: true });
    await requester.post(`/audit/consents/${seeded.consentId}/approval`, {});
    const users = new UserStore(portal.rt.ledger);
    const secondId = users.byEmail(secondUser.email)?.id ?? 0;
    const token = new ApiTokenStore(portal.rt.ledger).create(secondId, 'approver', secondId).secret;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const list = (await (await fetch(`${portal.url}/audit/api/approvals`, { headers })).json()) as {
      pending: Array<{ id: number; consent_id: string }>;
      mine: unknown[];
    };
    const request = list.pending.find((p) => p.consent_id === seeded.consentId);
    expect(request).toBeDefined();
    const short = await fetch(`${portal.url}/audit/api/approvals/${request?.id}/reject`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ reason: 'no' }),
    });
    expect(short.status).toBe(400);
    const res = await fetch(`${portal.url}/audit/api/approvals/${request?.id}/reject`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ reason: 'Outside the scope of ticket 7' }),
    });
    expect([res.status, await res.json()]).toEqual([200, { status: 'rejected' }]);
    expect(list.mine).toEqual([]);
  });
});
