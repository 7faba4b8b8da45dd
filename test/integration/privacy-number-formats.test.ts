import fc from 'fast-check';
import { typedNumber } from '../../src/privacy/typed-number';
import { startGateway, type Gateway } from '../support/gateway';

/**
 * However a caller writes their own number on /privacy/withdraw (spaces, dashes, brackets, `+`,
 * `00`, the country code without either, the national form), it finds the same caller; and
 * nothing typed into the field makes the page throw or answer 5xx.
 */
let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({ TRUST_PROXY_HOPS: '1' });
});
afterAll(async () => {
  await gw.close();
});

let clients = 0;
/** Each request from its own address: the per-client limits are not what is tested here. */
async function post(path: string, form: Record<string, string>): Promise<{ status: number; html: string }> {
  clients += 1;
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams(form),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-forwarded-for': `198.51.${100 + (clients >> 8)}.${clients & 255}`,
    },
  });
  return { status: res.status, html: await res.text() };
}

async function hiddenFields(): Promise<Record<string, string>> {
  const html = await (await fetch(`${gw.url}/privacy/withdraw?lng=en`)).text();
  const hidden: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    hidden[m[1]!] = m[2]!.replace(/&amp;/g, '&');
  return hidden;
}

async function consentingCall(from: string, fromCountry: string): Promise<void> {
  const call = gw.emulator.placeCall({ from, to: '+4930123456', fromCountry, recordingSeconds: 10 });
  await call.start();
  for (const k of ['1', '1', '1']) await call.press(k);
  await gw.emulator.settle();
  await gw.runJobs();
}

/**
 * A German mobile; a British one from the range set aside for drama (unknown to the library's
 * ranges); a Dutch mobile, from a country the operator does not serve, whose digits with the
 * country code are also a national number of a served one without a trunk prefix (Luxembourg).
 */
const CALLERS = [
  { e164: '+4915112398001', cc: '49', national: '15112398001', trunk: '0', country: 'DE', served: true },
  { e164: '+447700900123', cc: '44', national: '7700900123', trunk: '0', country: 'GB', served: true },
  { e164: '+31697123456', cc: '31', national: '697123456', trunk: '0', country: 'NL', served: false },
] as const;
type Caller = (typeof CALLERS)[number];

/** The national digits in groups, with the separators people use, area code maybe in brackets. */
const grouped = (digits: string, cuts: number[], sep: string, bracket: boolean): string => {
  const at = [...new Set(cuts.map((c) => 1 + (c % (digits.length - 1))))].sort((a, b) => a - b);
  const parts = at.reduce<string[]>((acc, cut, i) => [...acc, digits.slice(at[i - 1] ?? 0, cut)], []);
  parts.push(digits.slice(at[at.length - 1] ?? 0));
  if (bracket) parts[0] = `(${parts[0]})`;
  return parts.join(sep);
};

const written = (c: Caller) =>
  fc
    .record({
      prefix: fc.constantFrom(
        `+${c.cc} `,
        `00${c.cc} `,
        `${c.cc} `,
        `+${c.cc}`,
        `${c.cc}`,
        `(+${c.cc}) `,
        `+${c.cc} (${c.trunk})`,
        // The national form names a country only where the operator serves it.
        ...(c.served ? ['national'] : []),
      ),
      cuts: fc.array(fc.nat(), { maxLength: 3 }),
      sep: fc.constantFrom(' ', '-', '', '.', ' - '),
      bracket: fc.boolean(),
    })
    .map(({ prefix, cuts, sep, bracket }) =>
      prefix === 'national'
        ? `${c.trunk}${grouped(c.national, cuts, sep, bracket)}`
        : `${prefix}${grouped(c.national, cuts, sep, bracket)}`,
    );

test('every way of writing the same number finds the same caller', async () => {
  for (const c of CALLERS) await consentingCall(c.e164, c.country);
  fc.assert(
    fc.property(
      fc.constantFrom(...CALLERS).chain((c) => fc.tuple(fc.constant(c), written(c))),
      ([c, typed]) => {
        expect({ typed, found: typedNumber(gw.runtime.ledger, gw.config, typed) }).toEqual({
          typed,
          found: c.e164,
        });
      },
    ),
    { numRuns: 400 },
  );
});

test.each([
  ['a German mobile with its country code but no +', '4915112398001', '+4915112398001'],
  ['a British number with its country code and spaces', '44 7700 900123', '+447700900123'],
  ['the German mobile in national form, as today', '0151 1239 8001', '+4915112398001'],
  ['the British number in national form (the operator serves GB)', '07700 900123', '+447700900123'],
  ['a Dutch mobile with its country code but no +', '31 6 97123456', '+31697123456'],
  ['a number nobody consented from', '44 7700 900999', null],
])('over HTTP, %s', async (_how, typed, e164) => {
  const before = gw.emulator.messages.length;
  const res = await post('/privacy/withdraw', { ...(await hiddenFields()), phone: typed });
  await gw.runJobs();
  expect(res.status).toBe(200);
  expect(res.html).toMatch(/name="code"/);
  const sent = gw.emulator.messages.slice(before).map((m) => m.to);
  expect(sent).toEqual(e164 ? [e164] : []);
});

test('garbage in the number field never throws or answers 5xx', async () => {
  const hidden = await hiddenFields();
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.string({ maxLength: 60 }),
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.stringMatching(/^[\d\s+()./-]{0,45}$/),
        fc.constantFrom('+', '00', '0', '+0', '++49', '+49(', '+999999999999999', '0'.repeat(40)),
      ),
      async (phone) => {
        const res = await post('/privacy/withdraw', { ...hidden, phone });
        expect([200, 400]).toContain(res.status);
      },
    ),
    { numRuns: 150 },
  );
});
