/**
 * The consent token reaches every handover. A SIP agent gets it as the X-Consent-Token header
 * (with X-Consent-Status and X-Consent-Id); a phone agent hears the consent ID in the whisper, and
 * their system gets the token: it is recorded in the `handover` event, shown by
 * `consent call --json` and in the portal's consent page, and, where the operator file sets
 * `crmHandoverEvents`, POSTed to the CRM as `consent.handover`. The assistant gets the same token.
 */
import crypto from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { verifyConsentToken, type ConsentClaims } from '../../src/crypto/consent-token';
import { crmEventSchema } from '../../src/outbound/crm-schema';
import { UserStore } from '../../src/audit/users';
import { Client } from './audit-support';
import { startGateway, type Gateway } from '../support/gateway';
import { writeOperatorFile } from '../support/shipped-locales';
import { childElements, parseXml, textContent } from '../support/twiml-parser';
import { WebhookReceiver } from '../support/webhook-receiver';

jest.setTimeout(60_000);

const SIP_AGENT = 'sip:team@agents.example.com';
const PHONE_AGENT = '+4930111222';
let n = 0;
const caller = (): string => `+4915100${String(1000 + ++n)}${crypto.randomInt(100, 999)}`;

const claimsOf = (gw: Gateway, token: string): ConsentClaims =>
  verifyConsentToken(
    crypto.createPublicKey(gw.runtime.ledger.signingKey('consent-token')),
    token,
    Math.floor(Date.now() / 1000),
  );

async function callThen(
  gw: Gateway,
  keys: string[],
  askForPerson: boolean,
): Promise<{ callSid: string; dialTarget: string; whisper: string }> {
  const c = gw.emulator.placeCall({ from: caller(), to: '+4930', fromCountry: 'DE' });
  await c.start();
  for (const key of keys) await c.press(key);
  if (askForPerson) await c.say('ich möchte mit einem Menschen sprechen', 0.9);
  const dial = c.heard.find((h) => h.verb === 'Dial');
  return {
    callSid: c.callSid,
    dialTarget: dial?.number ?? '',
    whisper: (dial?.whisper ?? []).map((h) => h.text ?? '').join(' '),
  };
}

/** The handover events the ledger holds for a call, with their data. */
const handovers = (gw: Gateway, callSid: string): Array<Record<string, unknown>> =>
  gw.runtime.ledger
    .eventsForCall(callSid)
    .filter((e) => e.type === 'handover')
    .map((e) => JSON.parse(e.data) as Record<string, unknown>);

describe('a SIP agent', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ HUMAN_AGENT_NUMBER: SIP_AGENT });
  });
  afterAll(() => gw.close());

  test('gets the signed consent token in X-Consent-Token, naming the consent and its purposes', async () => {
    const { callSid, dialTarget } = await callThen(gw, ['1'], true);
    const [uri, query] = dialTarget.split('?');
    expect(uri).toBe(SIP_AGENT);
    const headers = new URLSearchParams(query);
    const consentId = gw.report(callSid).consentId as string;
    expect(headers.get('X-Consent-Status')).toBe('granted');
    expect(headers.get('X-Consent-Id')).toBe(consentId);
    const token = headers.get('X-Consent-Token') ?? '';
    expect(claimsOf(gw, token)).toMatchObject({
      sub: consentId,
      call: callSid,
      status: 'granted',
      purposes: { call: true },
    });
    // The very token the agent got is the one the ledger recorded with the handover.
    expect(handovers(gw, callSid)).toEqual([expect.objectContaining({ to: 'human', consentToken: token })]);
  });

  test('of a caller who declined gets a token that says declined and names no consent', async () => {
    const { callSid, dialTarget } = await callThen(gw, ['2'], false);
    const headers = new URLSearchParams(dialTarget.split('?')[1]);
    expect(headers.get('X-Consent-Status')).toBe('none');
    expect(headers.get('X-Consent-Id')).toBeNull();
    const claims = claimsOf(gw, headers.get('X-Consent-Token') ?? '');
    expect(claims).toMatchObject({ sub: 'none', call: callSid, status: 'declined', purposes: {} });
  });

  test('when Twilio repeats the answer webhook it gets the same token, and the ledger keeps one handover', async () => {
    const { callSid, dialTarget } = await callThen(gw, ['1'], true);
    const answered = gw.emulator.webhooks.filter(
      (w) => w.callSid === callSid && w.kind === 'twiml' && w.body.includes('<Dial'),
    );
    const last = answered[answered.length - 1];
    if (!last) throw new Error('no answer webhook with a Dial');
    const again = await gw.emulator.signedPost(last.url, last.params);
    expect(again.status).toBe(200);
    const tokenIn = (target: string): string =>
      new URLSearchParams(target.split('?')[1]).get('X-Consent-Token') ?? '';
    const sip = childElements(
      childElements(parseXml(again.body)).find((el) => el.name === 'Dial') ?? parseXml('<x/>'),
    )[0];
    const token = tokenIn(dialTarget);
    expect(token).not.toBe('');
    expect(tokenIn(sip ? textContent(sip) : '')).toBe(token);
    expect(handovers(gw, callSid)).toHaveLength(1);
    expect(gw.report(callSid).handover?.consentToken).toBe(token);
  });
});

describe('a phone agent', () => {
  const SECRET = `whsec_${crypto.randomBytes(32).toString('base64')}`;
  let receiver: WebhookReceiver;
  let gw: Gateway;
  const operator = writeOperatorFile({ crmHandoverEvents: true });
  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    gw = await startGateway(
      {
        HUMAN_AGENT_NUMBER: PHONE_AGENT,
        CRM_WEBHOOK_URL: receiver.url,
        CRM_WEBHOOK_SECRET: SECRET,
        GATEWAY_CONFIG: operator.file,
      },
      { portal: true },
    );
  });
  afterAll(async () => {
    await gw.close();
    await receiver.down();
    operator.remove();
  });

  test('hears the consent ID in the whisper before the call is bridged', async () => {
    const { callSid, dialTarget, whisper } = await callThen(gw, ['1'], true);
    expect(dialTarget).toBe(PHONE_AGENT);
    const consentId = gw.report(callSid).consentId as string;
    // Spelt out character by character, so the agent can note it.
    expect(whisper.replace(/\s+/g, '')).toContain(consentId);
  });

  test('their system gets the token: in the handover event, in consent call --json, and as consent.handover to the CRM', async () => {
    const { callSid } = await callThen(gw, ['1'], true);
    const report = gw.report(callSid);
    const token = report.handover?.consentToken ?? '';
    expect(report.handover).toMatchObject({ to: 'human', reason: 'agent_requested' });
    expect(claimsOf(gw, token)).toMatchObject({ sub: report.consentId, call: callSid, status: 'granted' });
    expect(handovers(gw, callSid)).toEqual([expect.objectContaining({ consentToken: token })]);

    await gw.runJobs();
    const events = receiver.received
      .map(
        (r) =>
          new Webhook(SECRET).verify(r.body, r.headers) as { type: string; data: Record<string, unknown> },
      )
      .filter((e) => e.data.callSid === callSid);
    for (const e of events) expect(crmEventSchema.safeParse(e).error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['consent.granted', 'consent.handover']);
    expect(events[1]?.data).toMatchObject({
      consentId: report.consentId,
      consentToken: token,
      handoverTo: 'human',
      handoverReason: 'agent_requested',
      status: 'active',
    });
  });

  test('an auditor sees the token on the consent page', async () => {
    const { callSid } = await callThen(gw, ['1'], true);
    const report = gw.report(callSid);
    const email = `auditor-${crypto.randomBytes(3).toString('hex')}@example.com`;
    const password = `pw-${crypto.randomBytes(8).toString('hex')}`;
    const { otpauth } = await new UserStore(gw.runtime.ledger).add(email, 'auditor', password);
    const client = new Client(gw.url);
    await client.login({
      email,
      password,
      secret: new URL(otpauth).searchParams.get('secret') ?? '',
      role: 'auditor',
    });
    await client.statReason();
    const html = await (await client.get(`/audit/consents/${report.consentId ?? ''}`)).text();
    const shown = /<code id="handover-token"[^>]*>([^<]+)<\/code>/.exec(html)?.[1];
    expect(shown).toBe(report.handover?.consentToken);
    expect(html).toContain(`granted · ${report.consentId ?? ''}`);
  });

  test('a caller who goes to the assistant: the assistant gets the token the ledger recorded', async () => {
    const { callSid } = await callThen(gw, ['1', '1', '1'], false);
    const token = gw.report(callSid).handover?.consentToken;
    expect(gw.report(callSid).handover?.to).toBe('assistant');
    expect(gw.assistantRequests.some((r) => r.query.consent_token === token)).toBe(true);
    // The CRM hears of handovers to a person only.
    await gw.runJobs();
    const types = receiver.received
      .map((r) => JSON.parse(r.body) as { type: string; data: { callSid: string } })
      .filter((e) => e.data.callSid === callSid)
      .map((e) => e.type);
    expect(types).not.toContain('consent.handover');
  });
});
