import { ApiTokenStore } from '../../src/audit/sessions';
import { UserStore } from '../../src/audit/users';
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

    // The requester cannot approve their own request: it is not even offered to them (they see it
    // among their own requests, as pending).
    const own = await (await requester.get('/audit/approvals')).text();
    expect(own).not.toMatch(/\/audit\/approvals\/\d+\/approve/);
    expect(own).toContain(seeded.consentId);
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
    // The operator's bootstrap account is in the access log like one made in the portal.
    const created = portal.rt.ledger.db
      .prepare("SELECT data FROM access_log WHERE type = 'user_created'")
      .pluck()
      .all() as string[];
    expect(created.map((d) => JSON.parse(d) as { via: string; detail: { email: string } })).toContainEqual(
      expect.objectContaining({ via: 'cli', detail: expect.objectContaining({ email: 'root@example.com' }) }),
    );
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

describe('approvals expire and are used up', () => {
  const tokenFor = async (): Promise<{ token: string; id: number }> => {
    const u = await addUser(portal, 'auditor');
    const id = new UserStore(portal.rt.ledger).byEmail(u.email)?.id ?? 0;
    return { token: new ApiTokenStore(portal.rt.ledger).create(id, 't', id).secret, id };
  };
  const call = (path: string, token: string, method = 'GET'): Promise<Response> =>
    fetch(`${portal.url}/audit/api${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'x-audit-reason': 'Complaint, ticket 9' },
    });
  const approved = async (asker: string, approver: string): Promise<void> => {
    expect((await call(`/consents/${seeded.consentId}/approval`, asker, 'POST')).status).toBe(202);
    const { pending } = (await (await call('/approvals', approver)).json()) as {
      pending: Array<{ id: number }>;
    };
    const last = pending[pending.length - 1]?.id ?? 0;
    expect((await call(`/approvals/${last}/approve`, approver, 'POST')).status).toBe(200);
  };

  test('When an approved download has happened, then a second download needs a new approval', async () => {
    const [asker, approver] = [await tokenFor(), await tokenFor()];
    await approved(asker.token, approver.token);
    const clip = `/consents/${seeded.consentId}/clip?download=1`;
    expect((await call(clip, asker.token)).status).toBe(200);
    expect((await call(clip, asker.token)).status).toBe(403);
    expect((await call(`/consents/${seeded.consentId}/export`, asker.token)).status).toBe(200);
    const zip = await (await call(`/consents/${seeded.consentId}/export`, asker.token)).arrayBuffer();
    // The evidence still goes out, but without the audio the approval no longer covers.
    expect(Buffer.from(zip).includes(Buffer.from('clip.mp3'))).toBe(false);
  });

  test('When an approval is more than 24 hours old, then it no longer releases the clip', async () => {
    const [asker, approver] = [await tokenFor(), await tokenFor()];
    await approved(asker.token, approver.token);
    portal.advance(25 * 3600_000);
    try {
      expect((await call(`/consents/${seeded.consentId}/clip`, asker.token)).status).toBe(403);
    } finally {
      portal.advance(-25 * 3600_000);
    }
  });

  test('When a player asks for several ranges of one play, then they all come from one approval', async () => {
    const [asker, approver] = [await tokenFor(), await tokenFor()];
    await approved(asker.token, approver.token);
    const clip = `/consents/${seeded.consentId}/clip`;
    for (const range of ['bytes=0-', 'bytes=1000-', 'bytes=0-99'])
      expect(
        (
          await fetch(`${portal.url}/audit/api${clip}`, {
            headers: {
              authorization: `Bearer ${asker.token}`,
              'x-audit-reason': 'Complaint, ticket 9',
              range,
            },
          })
        ).status,
      ).toBe(206);
    const used = portal.rt.ledger.db
      .prepare("SELECT COUNT(*) FROM approvals WHERE requester_id = ? AND status = 'used'")
      .pluck()
      .get(asker.id);
    expect(used).toBe(1);
  });
});
