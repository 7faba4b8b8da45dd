/**
 * The consent token reaches every handover: a SIP agent gets it as the X-Consent-Token header
 * (with X-Consent-Status and X-Consent-Id), and a phone agent hears the consent ID in the whisper.
 */
import crypto from 'node:crypto';
import { verifyConsentToken } from '../../src/crypto/consent-token';
import { startGateway, type Gateway } from '../support/gateway';

jest.setTimeout(60_000);

const SIP_AGENT = 'sip:team@agents.example.com';

async function consentThenPerson(
  gw: Gateway,
  from: string,
): Promise<{ callSid: string; dialTarget: string; whisper: string }> {
  const c = gw.emulator.placeCall({ from, to: '+4930', fromCountry: 'DE' });
  await c.start();
  await c.press('1');
  await c.say('ich möchte mit einem Menschen sprechen', 0.9);
  const dial = c.heard.find((h) => h.verb === 'Dial');
  return {
    callSid: c.callSid,
    dialTarget: dial?.number ?? '',
    whisper: (dial?.whisper ?? []).map((h) => h.text ?? '').join(' '),
  };
}

test('a SIP agent gets the signed consent token in X-Consent-Token, naming the consent and its purposes', async () => {
  const gw = await startGateway({ HUMAN_AGENT_NUMBER: SIP_AGENT });
  try {
    const { callSid, dialTarget } = await consentThenPerson(gw, '+4915100000951');
    const [uri, query] = dialTarget.split('?');
    expect(uri).toBe(SIP_AGENT);
    const headers = new URLSearchParams(query);
    const consentId = gw.report(callSid).consentId as string;
    expect(headers.get('X-Consent-Status')).toBe('granted');
    expect(headers.get('X-Consent-Id')).toBe(consentId);
    const token = headers.get('X-Consent-Token') ?? '';
    const publicKey = crypto.createPublicKey(gw.runtime.ledger.signingKey('consent-token'));
    const claims = verifyConsentToken(publicKey, token, Math.floor(Date.now() / 1000));
    expect(claims).toMatchObject({
      sub: consentId,
      call: callSid,
      status: 'granted',
      purposes: { call: true },
    });
  } finally {
    await gw.close();
  }
});

test('a phone agent hears the consent ID in the whisper before the call is bridged', async () => {
  const gw = await startGateway({ HUMAN_AGENT_NUMBER: '+4930111222' });
  try {
    const { callSid, dialTarget, whisper } = await consentThenPerson(gw, '+4915100000952');
    expect(dialTarget).toBe('+4930111222');
    const consentId = gw.report(callSid).consentId as string;
    // Spelt out character by character, so the agent can note it.
    expect(whisper.replace(/\s+/g, '')).toContain(consentId);
  } finally {
    await gw.close();
  }
});
