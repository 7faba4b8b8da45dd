/**
 * The key paths of a call (9 for the Art. 13 layer and its SMS, 1 and 2, 0 to withdraw, 7 for a
 * minor, 8 for the language menu), driven through the real gateway and the Twilio emulator in every
 * locale that ships under locales/ (a new locale folder is picked up without touching this file).
 * Expected texts come from each locale's own prompts.json, rendered with the operator settings in
 * voice-paths/, so a prompt spoken in the wrong language or with a variable left unfilled fails.
 */
import type { Gateway } from '../support/gateway';
import { LOCALES } from '../support/shipped-locales';
import { indexOf, prompt, said1, times } from './voice-paths/expected-prompts';
import { useVoicePathsGateway } from './voice-paths/gateway-calls';
import { numberOf, OPERATOR, PRIVACY_URL } from './voice-paths/locales-and-operator';

const vp = useVoicePathsGateway();
const { call, newCaller, expectHuman } = vp;
let gw: Gateway;
beforeAll(() => {
  gw = vp.gw;
});

test('the locales under test are the shipped locale folders, each with a complete catalog', () => {
  expect(LOCALES).toEqual(expect.arrayContaining(['de', 'en', 'fr', 'tr']));
  expect(gw.runtime.catalog.locales).toEqual(LOCALES);
});

describe.each(LOCALES)('a caller in %s', (lng) => {
  const other = LOCALES[(LOCALES.indexOf(lng) + 1) % LOCALES.length] as string;

  test('pressing 9 gives layer 2 (Art. 13) and the question again with the SMS on a key of its own; 3 texts the privacy link in their language, then the question comes again and 2 declines', async () => {
    const from = newCaller();
    const c = await call(lng, from);
    expect(times(c.heard, lng, 'age')).toBe(1);

    await c.press('9');
    // Art. 13 in full, each operator text in the caller's language: categories, third-country
    // transfer, legitimate interests, retention per purpose.
    said1(c.heard, lng, 'info');
    said1(c.heard, lng, 'infoInterests');
    said1(c.heard, lng, 'smsOffer', { smsKey: '3' });
    said1(c.heard, lng, 'smsHint', { smsKey: '3' });
    // Layer 2, the SMS offer, then the same question again, its SMS key last.
    expect(indexOf(c.heard, lng, 'info')).toBeLessThan(indexOf(c.heard, lng, 'smsOffer', { smsKey: '3' }));
    const afterInfo = c.heard.slice(indexOf(c.heard, lng, 'info'));
    said1(afterInfo, lng, 'main');
    expect(indexOf(afterInfo, lng, 'main')).toBeLessThan(indexOf(afterInfo, lng, 'smsHint', { smsKey: '3' }));
    expect(gw.report(c.callSid)).toMatchObject({ outcome: null, consentId: null });

    await c.press('3');
    said1(c.heard, lng, 'smsSent');
    // The main question is asked again, after the confirmation.
    expect(times(c.heard, lng, 'main')).toBe(3);
    const afterSms = c.heard.slice(indexOf(c.heard, lng, 'smsSent'));
    said1(afterSms, lng, 'main');
    expect(gw.report(c.callSid)).toMatchObject({ outcome: null, consentId: null });

    await gw.runJobs();
    const sms = gw.emulator.messages.filter((m) => m.to === from);
    expect(sms).toHaveLength(1);
    expect(sms[0]?.from).toBe(numberOf(lng));
    expect(sms[0]?.body).toContain(PRIVACY_URL);
    expect(sms[0]?.body).toMatch(prompt(lng, 'smsBody', { url: PRIVACY_URL }));

    await c.press('2');
    const report = gw.report(c.callSid);
    expect(report).toMatchObject({
      locale: lng,
      outcome: 'declined',
      consentStatus: 'declined',
      routedTo: 'human',
    });
    expect(report.purposes.call).toBe(false);
    expect(report.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['info_requested', 'sms_requested', 'sms_sent', 'declined']),
    );
    expect(report.events.map((e) => e.type)).not.toContain('granted');
    said1(c.heard, lng, 'declined');
    expectHuman(c, 'whisper.none');
  });

  test('after pressing 9, pressing 1 consents: 1 means yes to the question everywhere, and no SMS is sent', async () => {
    const from = newCaller();
    const c = await call(lng, from);
    await c.press('9');
    await c.press('1');
    const report = gw.report(c.callSid);
    expect(report).toMatchObject({ locale: lng, outcome: null, consentStatus: 'active' });
    expect(report.purposes.call).toBe(true);
    expect(report.events.map((e) => e.type)).not.toContain('sms_requested');
    said1(c.heard, lng, 'granted');
    await gw.runJobs();
    expect(gw.emulator.messages.filter((m) => m.to === from)).toHaveLength(0);
  });

  test('pressing 0 on a later call withdraws every earlier consent of that number, confirms it in their language, and tells the agent', async () => {
    const from = newCaller();
    // Two earlier consents of this number, one of them given in another language.
    const first = await call(lng, from);
    await first.press('1');
    await first.press('1');
    await first.press('2');
    const second = await call(other, from);
    await second.press('1');
    await second.press('2');
    await second.press('2');
    // Someone else's consent, which must stay.
    const bystander = await call(lng);
    await bystander.press('1');
    await bystander.press('1');
    await bystander.press('1');
    for (const earlier of [first, second, bystander]) {
      expect(gw.report(earlier.callSid)).toMatchObject({ outcome: 'granted', consentStatus: 'active' });
    }

    const later = await call(lng, from);
    await later.press('0');
    expect(gw.report(first.callSid).consentStatus).toBe('withdrawn');
    expect(gw.report(second.callSid).consentStatus).toBe('withdrawn');
    expect(gw.report(bystander.callSid).consentStatus).toBe('active');

    const report = gw.report(later.callSid);
    expect(report).toMatchObject({ locale: lng, outcome: 'withdrawn', routedTo: 'human', consentId: null });
    expect(report.events.map((e) => e.type)).toContain('withdrawn');
    said1(later.heard, lng, 'withdrawn');
    said1(later.heard, lng, 'handover');
    said1(later.heard, lng, 'handoverNoConsent');
    expect(times(later.heard, lng, 'handoverConsentHolds')).toBe(0);
    expect(indexOf(later.heard, lng, 'withdrawn')).toBeLessThan(indexOf(later.heard, lng, 'handover'));
    expectHuman(later, 'whisper.withdrawn');
  });

  test('pressing 7 after the age notice asks no consent and routes to a human, with the minor declared', async () => {
    const c = await call(lng);
    said1(c.heard, lng, 'age');
    await c.press('7');
    const report = gw.report(c.callSid);
    expect(report).toMatchObject({ locale: lng, consentId: null, consentStatus: null, routedTo: 'human' });
    expect(report.purposes).toEqual({});
    const types = report.events.map((e) => e.type);
    expect(types).toContain('minor_declared');
    expect(types).not.toContain('granted');
    expect(types).not.toContain('declined');
    said1(c.heard, lng, 'minor');
    said1(c.heard, lng, 'handoverNoConsent');
    // No question about purposes follows the age statement.
    expect(times(c.heard, lng, 'main')).toBe(1);
    for (const p of OPERATOR.purposes.slice(1)) expect(times(c.heard, lng, `purposes.${p.id}`)).toBe(0);
    expectHuman(c, 'whisper.minor');
  });

  test(`pressing 8 opens the language menu; picking ${other} repeats the disclosure and question in ${other}`, async () => {
    const c = await call(lng);
    await c.press('8');
    // Every locale announces itself, in its own language, with its key.
    LOCALES.forEach((l, i) => said1(c.heard, l, 'language.choose', { digit: i + 1 }));
    expect(gw.report(c.callSid).events.map((e) => e.type)).toContain('language_menu');

    const before = c.heard.length;
    await c.press(String(LOCALES.indexOf(other) + 1));
    const after = c.heard.slice(before);
    expect(indexOf(after, other, 'disclosure')).toBe(0);
    said1(after, other, 'main');
    said1(after, other, 'age');
    if (other !== lng) expect(times(after, lng, 'main')).toBe(0);
    const report = gw.report(c.callSid);
    expect(report.locale).toBe(other);
    expect(report.events.map((e) => e.type)).toContain('language_changed');
    // The replayed disclosure is evidence too: a second `disclosed`, naming the new locale.
    const disclosed = gw.runtime.ledger
      .eventsForCall(c.callSid)
      .filter((e) => e.type === 'disclosed')
      .map((e) => (JSON.parse(e.data) as { locale: string }).locale);
    expect(disclosed).toEqual([lng, other]);

    // The caller answers in the new language and hears the answer confirmed in it.
    await c.press('2');
    said1(c.heard.slice(before), other, 'declined');
    expect(gw.report(c.callSid)).toMatchObject({ locale: other, outcome: 'declined' });
  });
});
