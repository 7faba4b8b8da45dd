/**
 * The dpo's quarterly review on one printable page: consents, withdrawals by channel, deletions
 * and certificates, failed jobs, access by user, notice versions approved and key rotations, each
 * counted within the quarter only.
 */
import { approveNoticeVersion } from '../../src/audit/notices';
import { AccessLog } from '../../src/audit/access-log';
import { UserStore } from '../../src/audit/users';
import { quarterRange, reviewPage, reviewReport } from '../../src/audit/review-report';
import { seedConsent, startPortal, type Portal } from './audit-support';

jest.setTimeout(60_000);
let portal: Portal;
const IN = new Date('2026-11-10T09:00:00.000Z');
const BEFORE = new Date('2026-09-30T23:00:00.000Z');

beforeAll(async () => {
  portal = await startPortal();
  const ledger = portal.rt.ledger;
  await seedConsent(portal.rt, { at: IN });
  await seedConsent(portal.rt, { at: IN });
  await seedConsent(portal.rt, { at: IN, decision: 'declined' });
  await seedConsent(portal.rt, { at: BEFORE }); // the quarter before: not counted
  ledger.append([
    { type: 'withdrawn', at: IN, data: { channel: 'web' } },
    { type: 'withdrawn', at: IN, data: { channel: 'web' } },
    { type: 'withdrawn', at: IN, data: { channel: 'call' } },
    { type: 'withdrawn', at: BEFORE, data: { channel: 'letter' } },
    { type: 'keys_rotated', at: IN, data: { active: 'k2', rewrapped: 4 } },
  ]);
  ledger.db
    .prepare(
      "INSERT INTO jobs (kind, payload, status, attempts, run_at, last_error, created_at, updated_at) VALUES ('delete_twilio', '{}', 'failed', 9, 0, 'Twilio 503', ?, ?)",
    )
    .run(IN.toISOString(), IN.toISOString());
  await new UserStore(ledger).add('dpo@example.com', 'dpo', 'a long dpo password 1');
  const log = new AccessLog(ledger, () => IN);
  const entry = {
    userId: 1,
    email: 'auditor@example.com',
    role: 'auditor',
    ip: null,
    reason: 'case 7',
    via: 'portal' as const,
  };
  log.appendAll([
    { ...entry, action: 'consent_viewed' },
    { ...entry, action: 'clip_played' },
    { ...entry, action: 'consent_viewed' },
  ]);
  const version = portal.notices.filesVersion();
  approveNoticeVersion(ledger, version, 'dpo@example.com', IN);
});
afterAll(() => portal.close());

test('quarters are calendar quarters, and anything else is no quarter', () => {
  expect(quarterRange('2026-Q4')).toEqual({ from: '2026-10-01', to: '2026-12-31' });
  expect(quarterRange('2026-Q1')).toEqual({ from: '2026-01-01', to: '2026-03-31' });
  expect(quarterRange('2026-Q5')).toBeNull();
});

test('the review counts the quarter only: consents, withdrawals by channel, failed jobs, access by user, approvals, key rotations', () => {
  const r = reviewReport(portal.rt.ledger, '2026-Q4');
  expect(r?.consents).toEqual({ granted: 2, declined: 1 });
  expect(r?.withdrawalsByChannel).toEqual({ web: 2, call: 1 });
  expect(r?.failedJobs).toEqual([{ kind: 'delete_twilio', count: 1, lastError: 'Twilio 503' }]);
  expect(r?.accessByUser).toEqual([
    {
      user: 'auditor@example.com',
      role: 'auditor',
      accesses: 3,
      actions: { consent_viewed: 2, clip_played: 1 },
    },
  ]);
  expect(r?.noticesApproved).toEqual([
    { id: portal.notices.filesVersion(), by: 'dpo@example.com', at: IN.toISOString() },
  ]);
  expect(r?.keyRotations).toEqual([{ at: IN.toISOString(), active: 'k2' }]);
  if (!r) throw new Error('no report');
  const page = reviewPage(r);
  expect(page).toContain('@media print');
  expect(page).toMatch(/<caption>Withdrawals by channel<\/caption>.*<td>web<\/td><td>2<\/td>/s);
  expect(page).not.toMatch(/\+49/); // no caller numbers on the page
});
