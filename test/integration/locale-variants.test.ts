/**
 * Callers who need more care. Simple language: the language menu offers each simple-language
 * variant that ships (de-simple, en-simple) after the languages, whose keys do not move; it speaks
 * short sentences without legal terms, slower (SSML <prosody rate> on the Polly voice), and still
 * says every piece of Art. 13 information. Country variants: a caller from Austria or Switzerland
 * hears the texts that differ there (the supervisory authority), chosen from Twilio's FromCountry
 * or the number's prefix. The notice version records which variant was said.
 */
import { startGateway, said, type Gateway } from '../support/gateway';
import type { EmulatedCall } from '../support/twilio-emulator';

jest.setTimeout(60_000);

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw.close());

let n = 0;
const caller = (prefix = '+49151'): string => `${prefix}${String(7_000_000 + ++n)}`;

/** The notice content the ledger stored for the call's consent. */
function noticeOf(callSid: string): { locale: string; texts: Record<string, string> } {
  const consentId = gw.report(callSid).consentId;
  const consent = gw.runtime.ledger.getConsent(consentId ?? '');
  const notice = gw.runtime.ledger.getNotice(consent?.notice_id ?? '');
  return JSON.parse(notice?.content ?? '{}') as { locale: string; texts: Record<string, string> };
}

const LEGAL_TERMS =
  /Artikel|DSGVO|Datenschutz-Grundverordnung|Rechtsgrundlage|Auftragsverarbeiter|pseudonymisiert|Article|GDPR|legal basis|processor|pseudonymised/i;

async function chooseFromMenu(c: EmulatedCall, digit: string): Promise<number> {
  await c.press('8');
  const before = c.heard.length;
  await c.press(digit);
  return before;
}

describe.each([
  {
    simple: 'de-simple',
    from: 'DE',
    opening: 'Hallo. Hier ist Beispiel GmbH.',
    transfer: 'Twilio arbeitet auch in den USA.',
  },
  {
    simple: 'en-simple',
    from: 'GB',
    opening: 'Hello. This is Beispiel GmbH.',
    transfer: 'Twilio also works in the USA.',
  },
])('simple language ($simple)', ({ simple, from, opening, transfer }) => {
  test('the menu offers it after the four languages, whose keys stay 1 to 4', async () => {
    const c = gw.emulator.placeCall({ from: caller(), to: '+4930123456', fromCountry: from });
    await c.start();
    await c.press('8');
    const menu = said(c.heard.slice(-8));
    expect(menu).toMatch(/Für Deutsch drücken Sie die 1\..*For English, press 2\..*appuyez sur 3.*4/);
    expect(menu).toMatch(
      simple === 'de-simple' ? /Für einfache Sprache drücken Sie die 5\./ : /For simple English, press 6\./,
    );
  });

  test('picking it gives short sentences without legal terms, spoken slower, with every Art. 13 item; the notice records it', async () => {
    const c = gw.emulator.placeCall({ from: caller(), to: '+4930123456', fromCountry: from });
    await c.start();
    const before = await chooseFromMenu(c, simple === 'de-simple' ? '5' : '6');
    await c.press('9');
    for (const key of ['1', '1', '2']) await c.press(key);
    // What the gateway said (the loopback AI assistant speaks for itself after the handover).
    const heard = c.heard.slice(before).filter((h) => h.verb === 'Say' && h.text !== 'assistant speaking');
    expect(heard[0]?.text?.startsWith(opening)).toBe(true);
    // Every text of the simple variant is said slower, through SSML on the Polly voice.
    expect(heard.filter((h) => h.rate !== '85%' || !/^Polly\./.test(h.voice ?? ''))).toEqual([]);
    const text = heard.map((h) => h.text ?? '').join(' ');
    expect(text).not.toMatch(LEGAL_TERMS);
    // Mandatory information is all there: controller, DPO, purposes, data, recipients, the transfer
    // to the USA, retention per purpose, the authority, the right to withdraw with key 0.
    expect(text).toContain('Beispiel GmbH, Musterstraße 1, 10115 Berlin');
    expect(text).toContain('datenschutz@example.com');
    expect(text).toContain(transfer);
    expect(text).toMatch(/Twilio/);
    expect(text).toMatch(/30 (Tagen|days)/);
    expect(text).toMatch(/365 (Tagen|days)/);
    expect(text).toMatch(
      simple === 'de-simple' ? /Datenschutz-Behörde in Ihrem Land/ : /data protection office in your country/,
    );
    const report = gw.report(c.callSid);
    expect(report).toMatchObject({ locale: simple, outcome: 'granted' });
    const notice = noticeOf(c.callSid);
    expect(notice.locale).toBe(simple);
    expect(notice.texts.info).toContain(transfer);
    // Short sentences: no clause of what was said runs past 14 words (operator texts included;
    // a list such as the retention per purpose is read item by item).
    const long = text.split(/[.!?:;,]\s+/).filter((clause) => clause.split(/\s+/).length > 14);
    expect(long).toEqual([]);
  });
});

test('the agent who takes a simple-language caller hears so in the whisper, at the normal pace', async () => {
  const c = gw.emulator.placeCall({ from: caller(), to: '+4930123456', fromCountry: 'DE' });
  await c.start();
  await chooseFromMenu(c, '5');
  await c.press('2');
  const whisper = c.heard.find((h) => h.verb === 'Dial')?.whisper ?? [];
  expect(whisper.map((h) => h.text).join(' ')).toMatch(/nicht eingewilligt.*einfache Sprache gewählt/);
  expect(whisper.every((h) => h.rate === undefined)).toBe(true);
});

describe('country variants', () => {
  const infoOf = async (p: { from: string; fromCountry: string }) => {
    const c = gw.emulator.placeCall({ ...p, to: '+4930123456' });
    await c.start();
    await c.press('9');
    await c.press('1');
    return {
      c,
      info: c.heard.find((h) => h.text?.startsWith('Hier die ausführlichen Informationen'))?.text ?? '',
    };
  };

  test('a caller from Austria (FromCountry AT) hears the Austrian authority and the age of 14; the call stays German, the notice records de-AT', async () => {
    const { c, info } = await infoOf({ from: caller('+43664'), fromCountry: 'AT' });
    expect(info).toContain('bei der österreichischen Datenschutzbehörde in Wien beschweren');
    expect(said(c.heard)).toContain('Wenn Sie jünger als 14 Jahre sind');
    expect(gw.report(c.callSid).locale).toBe('de');
    expect(noticeOf(c.callSid).locale).toBe('de-AT');
    expect(noticeOf(c.callSid).texts.info).toContain('österreichischen Datenschutzbehörde');
  });

  test('a caller from Switzerland is recognised by the +41 prefix when Twilio sends no country', async () => {
    const { c, info } = await infoOf({ from: caller('+4179'), fromCountry: '' });
    expect(info).toContain(
      'bei dem Eidgenössischen Datenschutz- und Öffentlichkeitsbeauftragten (EDÖB) in Bern',
    );
    expect(noticeOf(c.callSid).locale).toBe('de-CH');
  });

  test('a caller from Germany hears the German texts, and the other countries’ authorities never', async () => {
    const { c, info } = await infoOf({ from: caller(), fromCountry: 'DE' });
    expect(info).toContain('bei der Datenschutz-Aufsichtsbehörde Ihres Landes beschweren');
    expect(said(c.heard)).not.toMatch(/österreichisch|Eidgenössisch/);
    expect(noticeOf(c.callSid).locale).toBe('de');
  });

  test('an Austrian caller who switches to English and back to German hears the Austrian texts again', async () => {
    const c = gw.emulator.placeCall({ from: caller('+43664'), to: '+4930123456', fromCountry: 'AT' });
    await c.start();
    await chooseFromMenu(c, '2');
    const before = await chooseFromMenu(c, '1');
    await c.press('9');
    expect(said(c.heard.slice(before))).toContain('österreichischen Datenschutzbehörde');
    await c.press('2');
    expect(gw.report(c.callSid)).toMatchObject({ locale: 'de', outcome: 'declined' });
  });
});
