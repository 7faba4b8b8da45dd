/**
 * What the ledger keeps of a spoken answer, per language: the rule that decided on the answer event
 * (`data.reason`, the caller's words cut out, so the portal timeline and an auditor can read why it
 * counted as yes), the words themselves only sealed. And a spoken key number heard doubtfully is
 * asked again once before it can be a consent.
 */
import { eventData, startGateway, type Gateway } from '../support/gateway';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});

const CALLERS = {
  de: { from: '+4915100000601', fromCountry: 'DE', one: 'eins', yes: 'ja damit bin ich einverstanden' },
  en: { from: '+447700900601', fromCountry: 'GB', one: 'one', yes: 'yes i consent to the recording' },
  tr: { from: '+905321000601', fromCountry: 'TR', one: 'bir', yes: 'evet kayda izin veriyorum' },
  fr: { from: '+33612000601', fromCountry: 'FR', one: 'un', yes: "oui j'accepte l'enregistrement" },
} as const;

const eventsOf = (callSid: string, type: string) => eventData(gw, callSid, type);

describe.each(Object.keys(CALLERS) as Array<keyof typeof CALLERS>)('a caller in %s', (lng) => {
  const c = CALLERS[lng];
  const place = (suffix: string) =>
    gw.emulator.placeCall({ from: c.from + suffix, to: '+4930123456', fromCountry: c.fromCountry });

  test(`"${c.one}" heard with confidence 0.3 is asked again once, and heard clearly it is key 1`, async () => {
    const call = place('1');
    await call.start();
    await call.say(c.one, 0.3);
    expect(gw.report(call.callSid)).toMatchObject({ consentId: null, consentStatus: null, outcome: null });
    const reprompts = eventsOf(call.callSid, 'reprompted');
    expect(reprompts).toHaveLength(1);
    expect(reprompts[0]?.reason).toMatch(/^low confidence: recognition confidence 0.3 is below/);

    await call.say(c.one, 0.9);
    expect(gw.report(call.callSid)).toMatchObject({ consentStatus: 'active', method: 'speech' });
    const answers = eventsOf(call.callSid, 'answer');
    expect(answers.map((a) => a.intent)).toEqual(['unclear', 'yes']);
    expect(answers[1]?.reason).toBe('spoken key: … names key 1, which means yes');
  });

  test('a whole-utterance yes is recorded with its rule on the answer event, the words only sealed', async () => {
    const call = place('2');
    await call.start();
    await call.say(c.yes, 0.92);
    expect(gw.report(call.callSid).consentStatus).toBe('active');
    const [answer] = eventsOf(call.callSid, 'answer');
    expect(answer).toMatchObject({ via: 'speech', intent: 'yes', confidence: 0.92 });
    expect(answer?.reason).toMatch(/^whole-utterance yes: only yes phrase …/);
    expect(JSON.stringify(answer)).not.toContain(c.yes.split(' ').slice(-1)[0]);
    const row = gw.runtime.ledger.getCall(call.callSid);
    const sealed = gw.runtime.ledger.openFor(row?.caller_hash ?? null, String(answer?.words_enc));
    expect(JSON.parse(sealed ?? '{}')).toMatchObject({
      speech: c.yes,
      reason: expect.stringMatching(/^whole-utterance yes: only yes phrase '/),
    });
  });
});
