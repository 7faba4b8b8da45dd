import crypto from 'node:crypto';
import { ApiTokenStore } from '../../src/audit/sessions';
import { UserStore } from '../../src/audit/users';
import { startDeskPortal, type DeskPortal } from '../support/desk-portal';
import { Client } from './audit-support';

let desk: DeskPortal;
let client: Client;
let token: string;
const calls: Record<string, string> = {};
let consentId = '';

// One Berlin caller, on the German line, in five calls that end five different ways; an Austrian
// caller with the same national digits on the Austrian line, and another on the German line.
const BERLIN = '+4930555111222';
const VIENNA_ON_AT_LINE = '+4330555111222';
const VIENNA_ON_DE_LINE = '+4330555111333';

beforeAll(async () => {
  desk = await startDeskPortal({
    GATEWAY_CONFIG: '',
    PORTAL_DEFAULT_COUNTRY: 'DE',
  });
  const place = (from: string, to = '+4930123456') =>
    desk.emulator.placeCall({ from, to, fromCountry: from.startsWith('+43') ? 'AT' : 'DE' });

  const granted = place(BERLIN);
  await granted.start();
  await granted.press('1');
  await granted.press('1');
  await granted.press('2');
  calls.granted = granted.callSid;
  consentId = desk.rt.ledger.getCall(granted.callSid)?.consent_id ?? '';

  const abandoned = place(BERLIN);
  await abandoned.start();
  await abandoned.hangup();
  calls.abandoned = abandoned.callSid;

  const noAnswer = place(BERLIN);
  await noAnswer.start();
  await noAnswer.silence();
  await noAnswer.silence();
  calls.noAnswer = noAnswer.callSid;

  const minor = place(BERLIN);
  await minor.start();
  await minor.press('7');
  calls.minor = minor.callSid;

  const declined = place(BERLIN);
  await declined.start();
  await declined.press('2');
  calls.declined = declined.callSid;

  const austrian = place(VIENNA_ON_AT_LINE, '+43123456789');
  await austrian.start();
  await austrian.hangup();
  calls.austrian = austrian.callSid;

  const stranger = place(VIENNA_ON_DE_LINE);
  await stranger.start();
  await stranger.hangup();
  calls.stranger = stranger.callSid;

  const password = `pw-${crypto.randomBytes(8).toString('hex')}`;
  const email = 'desk.auditor@example.com';
  const { otpauth } = await new UserStore(desk.rt.ledger).add(email, 'auditor', password);
  client = new Client(desk.url);
  await client.login({
    email,
    password,
    role: 'auditor',
    secret: new URL(otpauth).searchParams.get('secret') ?? '',
  });
  await client.statReason();
  const id = new UserStore(desk.rt.ledger).byEmail(email)?.id ?? 0;
  token = new ApiTokenStore(desk.rt.ledger).create(id, 'desk test', id).secret;
}, 60_000);
afterAll(() => desk?.close());

type CallRows = {
  rows: Array<{ callSid: string; outcome: string | null; consentId: string | null }>;
  total: number;
};
const api = async (path: string): Promise<{ status: number; body: CallRows & { error?: string } }> => {
  const res = await fetch(`${desk.url}/audit/api/${path}`, {
    headers: { authorization: `Bearer ${token}`, 'x-audit-reason': 'inquiry 2026-17' },
  });
  return { status: res.status, body: (await res.json()) as CallRows & { error?: string } };
};
const sids = (r: CallRows): string[] => r.rows.map((x) => x.callSid).sort();
const berlinCalls = (): string[] =>
  [calls.granted, calls.abandoned, calls.noAnswer, calls.minor, calls.declined].map(String).sort();

test('When a number is typed as people write it, then every format finds the same caller and all of their calls', async () => {
  // International forms name the country: exactly the Berlin caller's calls.
  for (const typed of [BERLIN, '+49 30 555-111-222', '0049 30 555111222', '+49 (30) 555 111 222'])
    expect({ typed, found: sids((await api(`calls?number=${encodeURIComponent(typed)}`)).body) }).toEqual({
      typed,
      found: berlinCalls(),
    });
  // National forms are read in the default country (and the Austrian line's own country, below).
  for (const typed of ['030 555111222', '(030) 555 111 222', '030/555-111-222', ' 030 555 111 222 '])
    expect({ typed, found: sids((await api(`calls?number=${encodeURIComponent(typed)}`)).body) }).toEqual({
      typed,
      found: [...berlinCalls(), calls.austrian].map(String).sort(),
    });
});

test('When a national number is typed, then it finds the caller of that country’s line, never a stranger abroad with the same digits', async () => {
  const found = sids((await api(`calls?number=${encodeURIComponent('030 555111222')}`)).body);
  // Read as Austrian only for calls to the Austrian number: the caller of the Austrian line.
  expect(found).toContain(calls.austrian);
  // An Austrian with those digits who called the German line is a different number: not found.
  expect(found).not.toContain(calls.stranger);
  expect(sids((await api(`calls?number=${encodeURIComponent('+43 30 555111222')}`)).body)).toEqual([
    calls.austrian,
  ]);
});

test.each([
  // The under-age caller gave no answer to the question: the contract calls that no_answer.
  ['no_answer', ['noAnswer', 'minor']],
  ['abandoned', ['abandoned']],
  ['declined', ['declined']],
  ['granted', ['granted']],
  ['minor', ['minor']],
])(
  'When searching by outcome %s, then the calls that ended so are found, with or without a consent',
  async (outcome, keys) => {
    const { status, body } = await api(`calls?outcome=${outcome}&number=${encodeURIComponent(BERLIN)}`);
    expect(status).toBe(200);
    expect(sids(body)).toEqual(keys.map((k) => String(calls[k])).sort());
  },
);

test('When searching for callers handed to a person, then refusals, the under-age caller and the unanswered call are found', async () => {
  const { body } = await api(`calls?outcome=human&number=${encodeURIComponent(BERLIN)}`);
  expect(sids(body)).toEqual([calls.declined, calls.minor, calls.noAnswer].map(String).sort());
});

test('When the consent list is asked for by a national number, then the API finds the consent as before', async () => {
  const res = await fetch(`${desk.url}/audit/api/consents?number=${encodeURIComponent('030 555111222')}`, {
    headers: { authorization: `Bearer ${token}`, 'x-audit-reason': 'inquiry 2026-17' },
  });
  const body = (await res.json()) as { rows: Array<{ id: string; callSid: string }> };
  // The granted consent and the refusal's record, both of this caller.
  expect(body.rows.map((r) => r.callSid).sort()).toEqual([calls.granted, calls.declined].map(String).sort());
  expect(body.rows.map((r) => r.id)).toContain(consentId);
});

test('When the search is empty, then the page says what to enter and the API names the criteria', async () => {
  const html = await (await client.get('/audit/consents?number=&consentId=')).text();
  expect(html).toContain('Enter at least one criterion');
  expect(html).toContain('030 555111222');
  const { status, body } = await api('calls');
  expect(status).toBe(400);
  expect(body.error).toMatch(/number, consentId, callSid/);
});

test('When an abandoned call is found in the portal, then its call page exists and says how it ended', async () => {
  const list = await (
    await client.get(`/audit/consents?number=${encodeURIComponent('030 555111222')}&outcome=abandoned`)
  ).text();
  expect(list).toContain(`/audit/calls/${calls.abandoned}`);
  const page = await client.get(`/audit/calls/${calls.abandoned}`);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('Hung up before deciding');
  expect(html).toContain('No consent was recorded in this call.');
  const logged = desk.rt.ledger.db
    .prepare("SELECT COUNT(*) FROM access_log WHERE type = 'view_call' AND call_sid = ?")
    .pluck()
    .get(calls.abandoned);
  expect(logged).toBe(1);
});

test('When a consent is opened, then it links to its call page, and the call page links back to the consent', async () => {
  const consent = await (await client.get(`/audit/consents/${consentId}`)).text();
  expect(consent).toContain(`href="/audit/calls/${calls.granted}"`);
  const call = await (await client.get(`/audit/calls/${calls.granted}`)).text();
  expect(call).toContain(`href="/audit/consents/${consentId}"`);
});

test('When ops open the statistics, then every table has a header row naming its columns', async () => {
  const password = `pw-${crypto.randomBytes(8).toString('hex')}`;
  const { otpauth } = await new UserStore(desk.rt.ledger).add('desk.ops@example.com', 'ops', password);
  const ops = new Client(desk.url);
  await ops.login({
    email: 'desk.ops@example.com',
    password,
    role: 'ops',
    secret: new URL(otpauth).searchParams.get('secret') ?? '',
  });
  const html = await (await ops.get('/audit/stats')).text();
  const tables = html.match(/<table>[\s\S]*?<\/table>/g) ?? [];
  expect(tables.length).toBeGreaterThanOrEqual(3);
  for (const table of tables) {
    expect(table).toMatch(/<thead><tr>(<th scope="col">[^<]+<\/th>)+<\/tr><\/thead>/);
    expect(table).not.toContain('<th></th>');
  }
});
