import crypto from 'node:crypto';
import { parseTwiml } from '../../src/twiml/parse';
import { findTwiml } from '../support/twiml-nodes';
import { twilioSignature } from '../support/twilio-emulator';
import { addUser, Client, startPortal, type Portal } from './audit-support';

let portal: Portal;
let auditor: Client;
beforeAll(async () => {
  portal = await startPortal();
  const user = await addUser(portal, 'auditor');
  auditor = new Client(portal.url);
  await auditor.login(user);
});
afterAll(async () => {
  await portal.close();
});

/** A signed webhook as Twilio sends it (the portal's service runs on the development token ''). */
async function post(path: string, params: Record<string, string>): Promise<string> {
  const url = `${portal.url}${path}`;
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature('', url, params),
    },
    body: new URLSearchParams(params).toString(),
  });
  expect(res.status).toBe(200);
  return res.text();
}

/** One call that answers the main question with `digit`; returns the consent it made, if any. */
async function call(from: string, digit: string, extra: Record<string, string> = {}): Promise<string | null> {
  const params = {
    CallSid: `CA${crypto.randomBytes(16).toString('hex')}`,
    From: from,
    To: '+4930123456',
    FromCountry: 'DE',
    ...extra,
  };
  const first = parseTwiml(await post('/voice/incoming', params));
  const consentPath =
    new URL(findTwiml(first, 'Redirect')?.text ?? '').pathname +
    new URL(findTwiml(first, 'Redirect')?.text ?? '').search;
  const question = parseTwiml(await post(consentPath, params));
  const action = new URL(findTwiml(question, 'Gather')?.attrs.action ?? '');
  await post(action.pathname + action.search, { ...params, Digits: digit });
  return portal.rt.ledger.consentsForCall(params.CallSid)[0]?.id ?? null;
}

test('the portal lists key-0 withdrawals from unattested caller IDs, and not those the network fully attested', async () => {
  const spoofable = await call('+4915100000501', '1');
  await call('+4915100000501', '0');
  const attested = await call('+4915100000502', '1', { StirVerstat: 'TN-Validation-Passed-A' });
  await call('+4915100000502', '0', { StirVerstat: 'TN-Validation-Passed-A' });
  expect(spoofable && attested).toBeTruthy();

  const page = await (await auditor.get('/audit/withdrawals')).text();
  expect(page).toContain(spoofable as string);
  expect(page).not.toContain(attested as string);
  // Exactly one row: the spoofable number's withdrawal.
  expect(page.match(/<tr><td>/g)).toHaveLength(1);
});
