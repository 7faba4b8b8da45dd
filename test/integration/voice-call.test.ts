import { verifyConsentToken } from '../../src/crypto/consent-token';
import { erase } from '../../src/cli/withdraw';
import { parseTwiml } from '../../src/twiml/parse';
import { said, startGateway, type Gateway } from '../support/gateway';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});

const CALLERS = {
  de: {
    from: '+4915112345678',
    fromCountry: 'DE',
    yes: 'ja gerne',
    no: 'nein danke',
    disclosure: /KI-Telefonassistent/,
    human: /Mitarbeiter/,
  },
  en: {
    from: '+447700900123',
    fromCountry: 'GB',
    yes: 'yes please',
    no: 'no thanks',
    disclosure: /AI telephone assistant/,
    human: /member of staff/,
  },
  tr: {
    from: '+905321234567',
    fromCountry: 'TR',
    yes: 'evet kabul ediyorum',
    no: 'hayır',
    disclosure: /yapay zekâ telefon asistanı/,
    human: /çalışan/,
  },
  fr: {
    from: '+33612345678',
    fromCountry: 'FR',
    yes: "oui d'accord",
    no: 'non merci',
    disclosure: /intelligence artificielle/,
    human: /conseiller/,
  },
} as const;

const place = (lng: keyof typeof CALLERS, extra: Partial<{ from: string }> = {}) =>
  gw.emulator.placeCall({
    from: extra.from ?? CALLERS[lng].from,
    to: '+4930123456',
    fromCountry: CALLERS[lng].fromCountry,
  });

const publicKey = () => gw.runtime.ledger.signingKeys.signingKey('consent-token').publicKey;

describe.each(Object.keys(CALLERS) as Array<keyof typeof CALLERS>)('a caller in %s', (lng) => {
  const c = CALLERS[lng];

  test('when they press 1 to every question, they hear the AI disclosure first and reach the assistant with a verifiable token', async () => {
    const call = place(lng);
    await call.start();
    expect(call.heard[0]).toMatchObject({ verb: 'Say' });
    expect(call.heard[0]!.text).toMatch(c.disclosure);
    // The AI sentence is outside any <Gather>: it cannot be skipped by a key.
    const first = parseTwiml(call.lastTwiml);
    expect(first.children.some((v) => v.name === 'Start')).toBe(true);
    await call.press('1');
    await call.press('1');
    await call.press('1');
    const report = gw.report(call.callSid);
    expect(report).toMatchObject({ locale: lng, outcome: 'granted', method: 'dtmf', routedTo: 'assistant' });
    expect(report.purposes).toEqual({ call: true, ai_training: true, personalization: true });
    expect(report.consentId).toMatch(/^CNS-/);
    expect(report.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['disclosed', 'granted', 'handover']),
    );
    expect(report.events.findIndex((e) => e.type === 'disclosed')).toBeLessThan(
      report.events.findIndex((e) => e.type === 'granted'),
    );
    const reached = gw.assistantRequests.find((r) => r.body.CallSid === call.callSid);
    expect(reached).toBeDefined();
    const claims = verifyConsentToken(
      publicKey(),
      reached!.query.consent_token!,
      Math.floor(Date.now() / 1000),
    );
    expect(claims).toMatchObject({
      sub: report.consentId,
      status: 'granted',
      call: call.callSid,
      purposes: report.purposes,
    });
  });

  test('when they answer by voice, yes to the main question and no to the others, each purpose is recorded on its own', async () => {
    const call = place(lng);
    await call.start();
    await call.say(c.yes, 0.93);
    await call.say(c.no, 0.9);
    await call.say(c.no, 0.9);
    const report = gw.report(call.callSid);
    expect(report).toMatchObject({ outcome: 'granted', method: 'speech', routedTo: 'assistant' });
    expect(report.purposes).toEqual({ call: true, ai_training: false, personalization: false });
  });

  test('when they say no, they are told, connected to a human, and the agent hears that there is no consent', async () => {
    const call = place(lng);
    await call.start();
    await call.say(c.no, 0.95);
    const report = gw.report(call.callSid);
    expect(report).toMatchObject({ outcome: 'declined', routedTo: 'human', purposes: { call: false } });
    const dial = call.heard.find((h) => h.verb === 'Dial');
    expect(dial?.number).toBe('+4930111222');
    expect(said(call.heard)).toMatch(c.human);
    expect(said(dial?.whisper ?? [])).toMatch(/nicht eingewilligt/);
    expect(report.clip.status).toBe('none');
  });

  test('when they stay silent twice, they are asked again once and then connected to a human', async () => {
    const call = place(lng);
    await call.start();
    await call.silence();
    await call.silence();
    const report = gw.report(call.callSid);
    expect(report).toMatchObject({ outcome: 'no_answer', routedTo: 'human', consentId: null });
    expect(report.events.filter((e) => e.type === 'reprompted')).toHaveLength(1);
  });
});

describe('the consent conversation', () => {
  test('when the caller presses 9, layer 2 names the controller and rights, the SMS with the privacy page is sent on 3, then the question comes again', async () => {
    const call = place('de');
    await call.start();
    await call.press('9');
    expect(said(call.heard)).toMatch(/Artikel 13/);
    expect(said(call.heard)).toMatch(/Beispiel GmbH, Musterstraße/);
    expect(said(call.heard)).toMatch(/widerrufen/);
    await call.press('3');
    await gw.runJobs();
    expect(gw.emulator.messages.find((m) => m.to === CALLERS.de.from)).toMatchObject({
      from: '+4930123456',
      body: expect.stringContaining('https://example.com/privacy'),
    });
    await call.press('2');
    const report = gw.report(call.callSid);
    expect(report.outcome).toBe('declined');
    expect(report.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['info_requested', 'sms_requested', 'sms_sent', 'declined']),
    );
  });

  test('when the caller asks for a person in words, they are connected at once', async () => {
    const call = place('de');
    await call.start();
    await call.say('ich möchte bitte mit einem Menschen sprechen', 0.9);
    expect(gw.report(call.callSid)).toMatchObject({ routedTo: 'human', consentId: null });
    expect(call.heard.some((h) => h.verb === 'Dial')).toBe(true);
    // When the call with the person ends, the caller was served, not lost: no `abandoned`.
    await call.hangup();
    await gw.emulator.settle();
    const report = gw.report(call.callSid);
    expect(report.outcome).toBe('no_answer');
    expect(report.events.map((e) => e.type)).not.toContain('abandoned');
  });

  test('when a negated yes is spoken, it is not consent', async () => {
    const call = place('de');
    await call.start();
    await call.say('nein, ich bin nicht einverstanden', 0.95);
    expect(gw.report(call.callSid)).toMatchObject({ outcome: 'declined' });
  });

  test('when a yes is recognised with low confidence, the caller is asked again rather than taken as consenting', async () => {
    const call = place('en');
    await call.start();
    await call.say('yes', 0.2);
    const report = gw.report(call.callSid);
    expect(report.outcome).toBeNull();
    expect(report.events.map((e) => e.type)).toContain('reprompted');
    await call.press('1');
    expect(gw.report(call.callSid).purposes.call).toBe(true);
  });

  test('when the caller presses 0 on a later call, every earlier consent is withdrawn and confirmed', async () => {
    const from = '+4915199990000';
    const first = place('de', { from });
    await first.start();
    await first.press('1');
    await first.press('1');
    await first.press('2');
    const firstReport = gw.report(first.callSid);
    expect(firstReport.consentStatus).toBe('active');

    const second = place('de', { from });
    await second.start();
    await second.press('0');
    expect(said(second.heard)).toMatch(/widerrufen/);
    expect(gw.report(second.callSid)).toMatchObject({ outcome: 'withdrawn', routedTo: 'human' });
    expect(gw.report(first.callSid).consentStatus).toBe('withdrawn');
    const dial = second.heard.find((h) => h.verb === 'Dial');
    expect(said(dial?.whisper ?? [])).toMatch(/widerrufen/);
  });

  test('when an erased caller calls again, their new call is kept under a new key and the old data stays unreadable', async () => {
    const from = '+4915199990042';
    const first = place('de', { from });
    await first.start();
    await first.press('1');
    erase(gw.runtime.ledger, from, 'web', new Date());
    const firstCall = gw.runtime.ledger.getCall(first.callSid);
    expect(firstCall && gw.runtime.ledger.callerNumber(firstCall)).toBeNull();

    const second = place('de', { from });
    await second.start();
    await second.press('9');
    await second.press('3');
    await gw.runJobs();
    // The privacy SMS needs the number: it reaches the caller on the new call.
    expect(gw.emulator.messages.filter((m) => m.to === from)).toHaveLength(1);
    await second.press('1');
    const secondCall = gw.runtime.ledger.getCall(second.callSid);
    expect(secondCall && gw.runtime.ledger.callerNumber(secondCall)).toBe(from);
    const consent = gw.runtime.ledger.getConsent(gw.report(second.callSid).consentId ?? '');
    expect(consent && gw.runtime.ledger.openFor(consent.caller_hash, consent.caller_enc)).toBe(from);
    expect(firstCall && gw.runtime.ledger.callerNumber(firstCall)).toBeNull();
  });

  test('when callers withhold their number, one withdrawing does not touch another’s consent, and their own is withdrawn', async () => {
    const consenter = place('de', { from: 'anonymous' });
    await consenter.start();
    for (const d of ['1', '2', '2']) await consenter.press(d);
    const kept = gw.report(consenter.callSid);
    expect(kept).toMatchObject({ outcome: 'granted', consentStatus: 'active' });

    const other = place('de', { from: '+266696687' });
    await other.start();
    await other.press('1');
    await other.press('0');
    expect(gw.report(other.callSid)).toMatchObject({ outcome: 'withdrawn', consentStatus: 'withdrawn' });
    expect(gw.report(consenter.callSid).consentStatus).toBe('active');
    expect(gw.runtime.ledger.getCall(other.callSid)?.caller_hash).toBeNull();
  });

  test('when a caller with a withheld number asks for the privacy SMS, the ledger says it could not be sent', async () => {
    const call = place('de', { from: 'anonymous' });
    await call.start();
    await call.press('9');
    await call.press('3');
    const before = gw.emulator.messages.length;
    await gw.runJobs();
    expect(gw.emulator.messages).toHaveLength(before);
    expect(gw.report(call.callSid).events.map((e) => e.type)).toContain('sms_not_sent');
  });

  test('when Twilio repeats an answer webhook, the consent is recorded once and the caller hears the same next step', async () => {
    const call = place('de');
    await call.start();
    await call.press('1');
    const first = [...gw.emulator.webhooks]
      .reverse()
      .find((w) => w.callSid === call.callSid && w.url.includes('/voice/answer'));
    if (!first) throw new Error('no answer webhook was sent');
    const repeat = await gw.emulator.signedPost(
      first.url.slice(new URL(first.url).origin.length),
      first.params,
    );
    expect(repeat.status).toBe(200);
    const names = (xml: string) => parseTwiml(xml).children.map((v) => v.name);
    expect(names(repeat.body)).toEqual(names(first.body));
    expect(gw.runtime.ledger.consentsForCall(call.callSid)).toHaveLength(1);
    const types = gw.report(call.callSid).events.map((e) => e.type);
    expect(types.filter((t) => t === 'granted')).toHaveLength(1);
    expect(types.filter((t) => t === 'answer')).toHaveLength(1);
  });

  test('when the caller says they are under age, no consent is asked and they reach a human', async () => {
    const call = place('de');
    await call.start();
    expect(said(call.heard)).toMatch(/jünger als 16/);
    await call.press('7');
    expect(gw.report(call.callSid)).toMatchObject({ consentId: null, routedTo: 'human' });
    expect(gw.report(call.callSid).events.map((e) => e.type)).toContain('minor_declared');
  });

  test('when the caller presses 8 and picks English, the disclosure and question are repeated in English', async () => {
    const call = place('de');
    await call.start();
    await call.press('8');
    expect(said(call.heard)).toMatch(/For English, press 2/);
    await call.press('2');
    expect(said(call.heard)).toMatch(/AI telephone assistant/);
    await call.press('1');
    expect(gw.report(call.callSid).locale).toBe('en');
  });

  test('when the caller hangs up during the question, the call is recorded as abandoned and nothing is consented', async () => {
    const call = place('fr');
    await call.start();
    await call.hangup();
    const report = gw.report(call.callSid);
    expect(report).toMatchObject({ outcome: 'abandoned', consentId: null });
    expect(report.events.map((e) => e.type)).toContain('abandoned');
    // Without a decision the report still names the exact notice the caller heard.
    expect(gw.runtime.ledger.getNotice(report.notice ?? '')?.content).toMatch(CALLERS.fr.disclosure);
  });

  test('when the caller consents and then asks for a person, the agent is told the consent holds', async () => {
    const call = place('en');
    await call.start();
    await call.press('1');
    await call.say('can I talk to a real person', 0.9);
    const report = gw.report(call.callSid);
    expect(report).toMatchObject({ outcome: 'granted', routedTo: 'human' });
    const dial = call.heard.find((h) => h.verb === 'Dial');
    expect(said(dial?.whisper ?? [])).toMatch(/eingewilligt in/);
    expect(said(call.heard)).toMatch(/still applies/);
  });
});
