import { startGateway, type Gateway } from '../support/gateway';

/**
 * A caller types their number on /privacy/withdraw the way they write it, not as Twilio's E.164:
 * the code must still reach them, and withdraw what they consented to.
 */
let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({ TRUST_PROXY_HOPS: '1' });
});
afterAll(async () => {
  await gw.close();
});

async function page(path: string, form?: Record<string, string>, client = '198.51.100.20') {
  const res = await fetch(`${gw.url}${path}`, {
    redirect: 'manual',
    ...(form
      ? {
          method: 'POST',
          body: new URLSearchParams(form),
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': client },
        }
      : {}),
  });
  const html = await res.text();
  const hidden: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    hidden[m[1]!] = m[2]!.replace(/&amp;/g, '&');
  return { status: res.status, html, hidden };
}

async function consentingCall(from: string): Promise<string> {
  const call = gw.emulator.placeCall({ from, to: '+4930123456', fromCountry: 'DE', recordingSeconds: 10 });
  await call.start();
  for (const k of ['1', '1', '1']) await call.press(k);
  await gw.emulator.settle();
  await gw.runJobs();
  return call.callSid;
}

test.each([
  ['in national format', '0151 12399001', '+4915112399001'],
  ['with a 00 prefix and spaces', '0049 151 1239 9002', '+4915112399002'],
  ['with the national 0 in brackets after the country code', '+49 (0)151 12399003', '+4915112399003'],
  ['with the country code but no + or 00', '4915112399004', '+4915112399004'],
  ['with the country code, no + and spaces', '49 151 12399005', '+4915112399005'],
  ['copied from a contacts app, wrapped in bidi marks', '\u202D+49 151 12399006\u202C', '+4915112399006'],
  ['with fullwidth digits', '０１５１ １２３９ ９００７', '+4915112399007'],
  ['with Arabic-Indic digits', '٠١٥١١٢٣٩٩٠٠٨', '+4915112399008'],
  ['with a non-breaking hyphen and an en dash', '0151\u20111239\u20139009', '+4915112399009'],
  ['as a tel: link', 'tel:+49-151-12399010', '+4915112399010'],
])(
  'a caller who types their number %s gets the code by SMS and withdraws with it',
  async (_how, typed, e164) => {
    const callSid = await consentingCall(e164);
    expect(gw.report(callSid).outcome).toBe('granted');
    const form = await page('/privacy/withdraw?lng=en');
    const codeForm = await page('/privacy/withdraw', { ...form.hidden, phone: typed });
    expect(codeForm.status).toBe(200);
    await gw.runJobs();
    const sms = gw.emulator.messages.filter((m) => m.to === e164);
    expect(sms).toHaveLength(1);
    const code = /\b(\d{6})\b/.exec(sms[0]!.body)![1]!;
    const done = await page('/privacy/withdraw/confirm', { ...codeForm.hidden, code });
    expect(done.status).toBe(200);
    await gw.runJobs();
    expect(gw.report(callSid).events.map((e) => e.type)).toContain('withdrawn');
  },
);

test('a number typed in national format that has no consents gets the same page and no SMS', async () => {
  const before = gw.emulator.messages.length;
  const form = await page('/privacy/withdraw?lng=en');
  const res = await page('/privacy/withdraw', { ...form.hidden, phone: '0151 12399999' });
  await gw.runJobs();
  expect(res.status).toBe(200);
  expect(res.html).toMatch(/name="code"/);
  expect(gw.emulator.messages.length).toBe(before);
});

const ARABIC_INDIC = (digits: string): string =>
  digits.replace(/\d/g, (d) => String.fromCodePoint(0x660 + Number(d)));
const FULLWIDTH = (digits: string): string =>
  digits.replace(/\d/g, (d) => String.fromCodePoint(0xff10 + Number(d)));

test.each([
  ['in two groups, as the form allows', (c: string) => `${c.slice(0, 3)} ${c.slice(3)}`, '+4915112399101'],
  ['with a dash between the groups', (c: string) => `${c.slice(0, 3)}-${c.slice(3)}`, '+4915112399102'],
  ['in Arabic-Indic digits', ARABIC_INDIC, '+4915112399103'],
  ['in fullwidth digits', FULLWIDTH, '+4915112399104'],
])('a code typed %s is the code: the caller withdraws with it', async (_how, write, e164) => {
  const callSid = await consentingCall(e164);
  const form = await page('/privacy/withdraw?lng=en');
  const codeForm = await page('/privacy/withdraw', { ...form.hidden, phone: e164 }, '198.51.100.30');
  await gw.runJobs();
  const code = /\b(\d{6})\b/.exec(gw.emulator.messages.filter((m) => m.to === e164)[0]!.body)![1]!;
  const done = await page(
    '/privacy/withdraw/confirm',
    { ...codeForm.hidden, code: write(code) },
    '198.51.100.30',
  );
  expect(done.status).toBe(200);
  expect(done.html).toMatch(/WDR-\d{8}-[0-9A-F]{8}/);
  await gw.runJobs();
  expect(gw.report(callSid).events.map((e) => e.type)).toContain('withdrawn');
});
