import { usersCommand } from '../../src/cli/users';
import { addUser, Client, seedConsent, startPortal, type Portal, type Seeded } from './audit-support';

let portal: Portal;
let seeded: Seeded;
let requester: Client;
let second: Client;

beforeAll(async () => {
  portal = await startPortal({ AUDIT_FOUR_EYES: 'true' });
  seeded = await seedConsent(portal.rt, { withClip: true });
  requester = new Client(portal.url);
  second = new Client(portal.url);
  await requester.login(await addUser(portal, 'auditor'));
  await second.login(await addUser(portal, 'auditor'));
  await requester.statReason('Complaint by the caller, ticket 7');
});
afterAll(() => portal.close());

describe('four-eyes playback (AUDIT_FOUR_EYES=true)', () => {
  test('When a second auditor approves the stated reason, then the clip plays; before that it does not', async () => {
    const clip = `/audit/consents/${seeded.consentId}/clip`;
    expect((await requester.get(clip)).status).toBe(403);
    const page = await (await requester.get(`/audit/consents/${seeded.consentId}`)).text();
    expect(page).not.toMatch(/<audio/);
    expect((await requester.post(`/audit/consents/${seeded.consentId}/approval`, {})).status).toBe(303);

    // The requester cannot approve their own request: it is not even offered to them.
    expect(await (await requester.get('/audit/approvals')).text()).not.toContain(seeded.consentId);
    const pending = await (await second.get('/audit/approvals')).text();
    const approvalId = /\/audit\/approvals\/(\d+)\/approve/.exec(pending)?.[1];
    expect(approvalId).toBeDefined();
    expect((await requester.post(`/audit/approvals/${approvalId}/approve`, {})).status).toBe(404);
    expect((await second.post(`/audit/approvals/${approvalId}/approve`, {})).status).toBe(303);

    expect((await requester.get(clip)).status).toBe(200);
    // A new reason is a new purpose: it needs its own approval.
    await requester.statReason('Another matter entirely');
    expect((await requester.get(clip)).status).toBe(403);
  });
});

describe('consent users (CLI)', () => {
  test('When an admin is added with a password on stdin, then the TOTP URI and a QR code are printed and the user is listed', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
    const code = await usersCommand(
      ['add', '--email', 'root@example.com', '--role', 'admin'],
      io,
      portal.rt.ledger,
      async () => 'correct horse battery\n',
    );
    expect([code, err.join('')]).toEqual([0, '']);
    expect(out.join('')).toMatch(/otpauth:\/\/totp\/Consent%20Gateway:root%40example\.com\?secret=[A-Z2-7]+/);
    expect(out.join('')).toMatch(/[▀▄█]/);
    out.length = 0;
    expect(await usersCommand(['list'], io, portal.rt.ledger, async () => '')).toBe(0);
    expect(out.join('')).toMatch(/root@example\.com\tadmin/);
    expect(
      await usersCommand(
        ['add', '--email', 'x@example.com', '--role', 'root'],
        io,
        portal.rt.ledger,
        async () => '',
      ),
    ).toBe(2);
    expect(
      await usersCommand(
        ['add', '--email', 'y@example.com', '--role', 'ops'],
        io,
        portal.rt.ledger,
        async () => 'short',
      ),
    ).toBe(1);
  });
});
