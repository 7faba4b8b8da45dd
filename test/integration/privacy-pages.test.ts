import crypto from 'node:crypto';
import { startGateway, type Gateway } from '../support/gateway';

let gw: Gateway;
beforeAll(async () => {
  // One proxy hop, as behind a load balancer: X-Forwarded-For names the client.
  gw = await startGateway({ TRUST_PROXY_HOPS: '1' });
});
afterAll(async () => {
  await gw.close();
});

interface Page {
  status: number;
  html: string;
  hidden: Record<string, string>;
  cookie: string | null;
}

async function http(
  path: string,
  init: RequestInit = {},
  headers: Record<string, string> = {},
): Promise<Page> {
  const res = await fetch(`${gw.url}${path}`, { redirect: 'manual', ...init, headers: { ...headers } });
  const html = await res.text();
  const hidden: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    hidden[m[1]!] = m[2]!.replace(/&amp;/g, '&');
  return { status: res.status, html, hidden, cookie: res.headers.get('set-cookie') };
}
const post = (
  path: string,
  form: Record<string, string | string[]>,
  headers: Record<string, string> = {},
) => {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  return http(
    path,
    { method: 'POST', body },
    { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  );
};

/** Asks for a code as a caller would: the form's hidden fields as served, plus the number. */
async function requestCode(phone: string, client = '198.51.100.7'): Promise<Page> {
  const form = await http('/privacy/withdraw?lng=en');
  return post('/privacy/withdraw', { ...form.hidden, phone }, { 'x-forwarded-for': client });
}
const number = () => `+49151${crypto.randomInt(1e6, 1e7)}`;
const smsTo = (to: string) => gw.emulator.messages.filter((m) => m.to === to);

async function consentingCall(from: string): Promise<string> {
  const call = gw.emulator.placeCall({ from, to: '+4930123456', fromCountry: 'DE', recordingSeconds: 10 });
  await call.start();
  for (const k of ['1', '1', '1']) await call.press(k);
  await gw.emulator.settle();
  await gw.runJobs();
  return gw.report(call.callSid).consentId!;
}

test('a number without consents gets the same pages as a known one, and no SMS', async () => {
  const known = number();
  await consentingCall(known);
  const unknown = number();
  const a = await requestCode(known);
  const b = await requestCode(unknown);
  await gw.runJobs();
  expect([a.status, b.status]).toEqual([200, 200]);
  const shape = (p: Page) => p.html.replace(/value="[^"]*"/g, 'value=""');
  expect(shape(a)).toEqual(shape(b));
  expect(smsTo(known)).toHaveLength(1);
  expect(smsTo(known)[0]!.body).toMatch(/\b\d{6}\b/);
  expect(smsTo(known)[0]!.from).toBe('+4930123456');
  expect(smsTo(unknown)).toHaveLength(0);
  // A guess for the unknown number is wrong like any wrong code: nothing tells the numbers apart.
  const guessA = await post('/privacy/withdraw/confirm', { ...a.hidden, code: '000000' });
  const guessB = await post('/privacy/withdraw/confirm', { ...b.hidden, code: '000000' });
  expect(shape(guessA)).toEqual(shape(guessB));
});

test('after five wrong codes the code is void, even the right one; a new code works and withdraws everything when nothing is ticked', async () => {
  const from = number();
  const first = await consentingCall(from);
  const second = await consentingCall(from);
  const form = await requestCode(from);
  await gw.runJobs();
  const code = /\b(\d{6})\b/.exec(smsTo(from).at(-1)!.body)![1]!;
  const wrong = code === '123456' ? '654321' : '123456';
  for (let i = 0; i < 5; i++) {
    const r = await post('/privacy/withdraw/confirm', { ...form.hidden, code: wrong });
    expect(r.status).toBe(400);
    expect(r.html).toMatch(i < 4 ? /not right/ : /no longer valid/);
  }
  const late = await post('/privacy/withdraw/confirm', { ...form.hidden, code });
  expect(late.html).toMatch(/no longer valid/);
  expect(gw.runtime.ledger.getConsent(first)!.status).toBe('active');

  const again = await requestCode(from);
  await gw.runJobs();
  const fresh = /\b(\d{6})\b/.exec(smsTo(from).at(-1)!.body)![1]!;
  const done = await post('/privacy/withdraw/confirm', { ...again.hidden, code: fresh });
  expect(done.status).toBe(200);
  expect(done.html).toMatch(/Withdrawal reference: WDR-/);
  for (const id of [first, second]) {
    expect(gw.runtime.ledger.getConsent(id)!.status).toBe('withdrawn');
    expect(done.html).toContain(`/privacy/certificate/${id}`);
  }
  await gw.runJobs();
  // The same operation as key 0: the clips are deleted, the ledger says the channel was the web.
  const events = gw.runtime.ledger.db
    .prepare("SELECT data FROM events WHERE type = 'withdrawn' AND consent_id = ?")
    .pluck()
    .all(first) as string[];
  expect(JSON.parse(events[0]!)).toMatchObject({ channel: 'web', partial: false });
  expect(gw.runtime.ledger.getClip(first)!.status).toBe('deleted');
});

test('a code older than ten minutes is void', async () => {
  const from = number();
  await consentingCall(from);
  const form = await requestCode(from);
  await gw.runJobs();
  const code = /\b(\d{6})\b/.exec(smsTo(from).at(-1)!.body)![1]!;
  gw.runtime.ledger.db
    .prepare('UPDATE privacy_codes SET expires_at = ? WHERE id = ?')
    .run(Date.now() - 1, form.hidden.request);
  expect((await post('/privacy/withdraw/confirm', { ...form.hidden, code })).html).toMatch(/no longer valid/);
});

test('a client may ask for codes for 5 numbers and enter 10 codes in a minute; far more is refused for a while', async () => {
  const client = `203.0.113.${crypto.randomInt(1, 250)}`;
  const pages = [];
  for (let i = 0; i < 5; i++) pages.push(await requestCode(number(), client));
  expect(pages.every((p) => p.status === 200)).toBe(true);
  for (let i = 0; i < 10; i++) {
    const r = await post(
      '/privacy/withdraw/confirm',
      { ...pages[i % 5]!.hidden, code: '000000' },
      { 'x-forwarded-for': client },
    );
    expect(r.status).not.toBe(429);
  }
  let refused = 0;
  for (let i = 0; i < 40; i++) if ((await requestCode(number(), client)).status === 429) refused++;
  expect(refused).toBeGreaterThan(0);
  // Another client is not held back by that one.
  expect((await requestCode(number(), '192.0.2.99')).status).toBe(200);
});

test('a form posted from another site, or without its token, is refused and sends nothing', async () => {
  const from = number();
  await consentingCall(from);
  const form = await http('/privacy/withdraw');
  const before = smsTo(from).length;
  expect((await post('/privacy/withdraw', { phone: from })).status).toBe(403);
  expect(
    (await post('/privacy/withdraw', { ...form.hidden, phone: from }, { origin: 'https://evil.example' }))
      .status,
  ).toBe(403);
  expect(
    (await post('/privacy/withdraw', { ...form.hidden, phone: from }, { 'sec-fetch-site': 'cross-site' }))
      .status,
  ).toBe(403);
  await gw.runJobs();
  expect(smsTo(from).length).toBe(before);
});

test('the page speaks the caller’s language: ?lng=, else Accept-Language, else the default locale', async () => {
  expect((await http('/privacy', {}, { 'accept-language': 'fr-FR,fr;q=0.9,en;q=0.5' })).html).toMatch(
    /<html lang="fr">/,
  );
  expect((await http('/privacy?lng=tr', {}, { 'accept-language': 'fr' })).html).toMatch(
    /Onayınız ve verileriniz/,
  );
  expect((await http('/privacy', {}, { 'accept-language': 'ja' })).html).toMatch(/<html lang="de">/);
  expect((await http('/privacy/withdraw', {}, { 'accept-language': 'en' })).html).toMatch(/name="phone"/);
});

test('a caller who chose simple language on the phone reads the page in simple language, and a country variant reads its language', async () => {
  // The receipt SMS links /privacy?lng=<the call's locale>: de-simple and en-simple have page texts.
  const simple = await http('/privacy?lng=de-simple', {}, { 'accept-language': 'en' });
  expect(simple.html).toMatch(/<h1>Ihr Ja und Ihre Daten<\/h1>/);
  expect(simple.html).toMatch(/Ja zurücknehmen oder Daten ansehen/);
  expect((await http('/privacy?lng=en-simple', {}, { 'accept-language': 'de' })).html).toMatch(
    /Take back your yes or see your data/,
  );
  // Every page is offered in simple language in the switcher, by its spoken name.
  expect((await http('/privacy?lng=de')).html).toMatch(/hreflang="de-simple">Deutsch, einfache Sprache</);
  // de-AT and de-CH have no page texts of their own: German, whatever the browser prefers.
  for (const variant of ['de-AT', 'de-at', 'de-CH'])
    expect((await http(`/privacy?lng=${variant}`, {}, { 'accept-language': 'en' })).html).toMatch(
      /<html lang="de">[\s\S]*Ihre Einwilligung und Ihre Daten/,
    );

  // The code SMS is in the page's language too.
  const from = number();
  await consentingCall(from);
  const form = await http('/privacy/withdraw?lng=de-simple');
  expect(form.html).toMatch(/In der SMS steht ein Code mit 6 Zahlen/);
  await post('/privacy/withdraw', { ...form.hidden, phone: from }, { 'x-forwarded-for': '198.51.100.77' });
  await gw.runJobs();
  expect(smsTo(from).at(-1)?.body).toMatch(
    /ist Ihr Code für die Datenschutz-Seite .* Sie wollten keinen Code\?/,
  );
});

test('a caller whose latest consent came through a SIP line gets the code from the phone number they called before', async () => {
  const from = number();
  await consentingCall(from);
  const viaSip = gw.emulator.placeCall({ from, to: 'sip:ivr@pbx.example.com', fromCountry: 'DE' });
  await viaSip.start();
  for (const k of ['1', '1', '1']) await viaSip.press(k);
  await gw.emulator.settle();
  expect(gw.report(viaSip.callSid).consentId).toMatch(/^CNS-/);
  expect((await requestCode(from, '198.51.100.41')).status).toBe(200);
  await gw.runJobs();
  expect(smsTo(from).map((m) => m.from)).toEqual(['+4930123456']);
  expect(smsTo(from)[0]!.body).toMatch(/\b\d{6}\b/);
});
