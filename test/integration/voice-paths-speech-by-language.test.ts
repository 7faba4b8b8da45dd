/**
 * The spoken paths of a call (asking for a person, a negated yes, a yes heard with low
 * confidence, silence, hanging up, consent and then a person), driven through the real gateway
 * and the Twilio emulator in every locale that ships under locales/. What the caller says comes
 * from each locale's lexicon and intent corpus; expected texts from its prompts.json.
 */
import type { Gateway } from '../support/gateway';
import { LOCALES } from '../support/shipped-locales';
import { agentPhrase, negatedYes } from './voice-paths/caller-speech';
import { purposeName, said1, times } from './voice-paths/expected-prompts';
import { agentLocaleOf, dialOf, useVoicePathsGateway } from './voice-paths/gateway-calls';
import { LEXICONS, type LexiconFile } from './voice-paths/locales-and-operator';

const vp = useVoicePathsGateway();
const { call, expectHuman, reachedAssistant } = vp;
let gw: Gateway;
beforeAll(() => {
  gw = vp.gw;
});

describe.each(LOCALES)('a caller in %s', (lng) => {
  test(`saying "${agentPhrase(lng)}" reaches a human at once, with no consent asked`, async () => {
    const c = await call(lng);
    await c.say(agentPhrase(lng), 0.9);
    const report = gw.report(c.callSid);
    expect(report).toMatchObject({ locale: lng, consentId: null, consentStatus: null, routedTo: 'human' });
    const types = report.events.map((e) => e.type);
    expect(types).not.toContain('reprompted');
    expect(types).not.toContain('granted');
    expect(types).not.toContain('declined');
    expect(times(c.heard, lng, 'main')).toBe(1);
    expect(times(c.heard, lng, 'reprompt')).toBe(0);
    said1(c.heard, lng, 'handover');
    said1(c.heard, lng, 'handoverNoConsent');
    expectHuman(c, 'whisper.none');
  });

  test(`a negated yes ("${negatedYes(lng).text}") is not consent`, async () => {
    const { text, fromCorpus } = negatedYes(lng);
    const c = await call(lng);
    await c.say(text, 0.92);
    const report = gw.report(c.callSid);
    expect(report.consentStatus).not.toBe('active');
    expect(report.purposes.call).not.toBe(true);
    expect(report.events.map((e) => e.type)).not.toContain('granted');
    expect(reachedAssistant(c)).toBe(false);
    expect(times(c.heard, lng, 'granted')).toBe(0);
    if (fromCorpus) {
      // The corpus labels it a refusal: declined, told so, and put through to a person.
      expect(report).toMatchObject({ outcome: 'declined', consentStatus: 'declined', routedTo: 'human' });
      said1(c.heard, lng, 'declined');
      expectHuman(c, 'whisper.none');
    }
  });

  test('a yes recognised with confidence 0.2 is asked again, not taken as consent', async () => {
    const yes = (LEXICONS[lng] as LexiconFile).yes[0] as string;
    const c = await call(lng);
    await c.say(yes, 0.2);
    const report = gw.report(c.callSid);
    expect(report).toMatchObject({ outcome: null, consentId: null, consentStatus: null });
    expect(report.events.filter((e) => e.type === 'reprompted')).toHaveLength(1);
    expect(report.events.map((e) => e.type)).not.toContain('granted');
    said1(c.heard, lng, 'reprompt');
    expect(times(c.heard, lng, 'main')).toBe(2);
    expect(times(c.heard, lng, 'granted')).toBe(0);
    // The same word heard clearly is consent: it was the confidence that held it back.
    await c.say(yes, 0.95);
    expect(gw.report(c.callSid)).toMatchObject({ outcome: null, method: 'speech', consentStatus: 'active' });
    expect(gw.report(c.callSid).purposes.call).toBe(true);
    said1(c.heard, lng, 'granted');
  });

  test('the key number as a recogniser writes it ("1") is asked again once below the confidence threshold, then consents as key 1', async () => {
    const c = await call(lng);
    await c.say('1', 0.3);
    const report = gw.report(c.callSid);
    expect(report).toMatchObject({ outcome: null, consentId: null, consentStatus: null });
    expect(report.events.filter((e) => e.type === 'reprompted')).toHaveLength(1);
    expect(report.events.map((e) => e.type)).not.toContain('granted');
    said1(c.heard, lng, 'reprompt');
    await c.say('1', 0.93);
    expect(gw.report(c.callSid)).toMatchObject({ outcome: null, method: 'speech', consentStatus: 'active' });
    expect(gw.report(c.callSid).purposes.call).toBe(true);
    said1(c.heard, lng, 'granted');
  });

  test('hanging up during the question leaves the call abandoned with nothing consented', async () => {
    const c = await call(lng);
    await c.hangup();
    const report = gw.report(c.callSid);
    expect(report).toMatchObject({ locale: lng, outcome: 'abandoned', consentId: null, consentStatus: null });
    expect(report.purposes).toEqual({});
    const types = report.events.map((e) => e.type);
    expect(types).toContain('abandoned');
    expect(types).not.toContain('granted');
    expect(dialOf(c)).toBeUndefined();
    expect(reachedAssistant(c)).toBe(false);
  });

  test('consenting with 1 and then asking for a person routes to a human; caller and agent are told the consent holds', async () => {
    const c = await call(lng);
    await c.press('1');
    said1(c.heard, lng, 'granted');
    await c.say(agentPhrase(lng), 0.9);
    const report = gw.report(c.callSid);
    expect(report).toMatchObject({
      locale: lng,
      outcome: 'granted',
      consentStatus: 'active',
      method: 'dtmf',
      routedTo: 'human',
    });
    expect(report.consentId).toMatch(/^CNS-/);
    expect(report.purposes.call).toBe(true);
    expect(report.purposes.ai_training).not.toBe(true);
    said1(c.heard, lng, 'handover');
    said1(c.heard, lng, 'handoverConsentHolds');
    expect(times(c.heard, lng, 'handoverNoConsent')).toBe(0);
    expectHuman(c, 'whisper.granted', {
      purposes: purposeName(agentLocaleOf(lng), 'call'),
      ref: (report.consentId ?? '').split('').join(' '),
    });
  });

  test('silence twice: asked again once, then put through to a human', async () => {
    const c = await call(lng);
    await c.silence();
    said1(c.heard, lng, 'reprompt');
    expect(times(c.heard, lng, 'main')).toBe(2);
    expect(dialOf(c)).toBeUndefined();
    await c.silence();
    const report = gw.report(c.callSid);
    expect(report).toMatchObject({ locale: lng, outcome: 'no_answer', routedTo: 'human', consentId: null });
    expect(report.events.filter((e) => e.type === 'reprompted')).toHaveLength(1);
    expect(times(c.heard, lng, 'main')).toBe(2);
    said1(c.heard, lng, 'handover');
    said1(c.heard, lng, 'handoverNoConsent');
    expectHuman(c, 'whisper.none');
  });
});
