import { startGateway, type Gateway } from '../support/gateway';

/**
 * What a browser or a script may post to the caller's /privacy forms besides what the forms send:
 * a field far too long, a charset the server does not read. The caller gets the page's own
 * message in their language, with the status; never Express's error page with its stack trace
 * (file paths, library versions); and nothing is written.
 */
let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});

const written = () =>
  ['SELECT COUNT(*) FROM privacy_codes', 'SELECT COUNT(*) FROM jobs', 'SELECT COUNT(*) FROM events'].map(
    (q) => Number(gw.runtime.ledger.db.prepare(q).pluck().get()),
  );

test.each([
  [
    'a phone field of 6,000 characters',
    'application/x-www-form-urlencoded',
    `phone=${'1'.repeat(6000)}`,
    413,
    'What you entered was too long',
  ],
  [
    'a charset the server does not read',
    'application/x-www-form-urlencoded; charset=ebcdic',
    'phone=0151',
    415,
    'Please start again',
  ],
])(
  'a post with %s gets the page’s own message in the caller’s language, no stack trace, nothing written',
  async (_what, type, body, status, message) => {
    const before = written();
    for (const path of ['/privacy/withdraw', '/privacy/withdraw/confirm', '/privacy/access']) {
      const res = await fetch(`${gw.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': type, 'accept-language': 'en-GB,en;q=0.8' },
        body,
      });
      const html = await res.text();
      expect({ path, status: res.status, type: res.headers.get('content-type') }).toEqual({
        path,
        status,
        type: 'text/html; charset=utf-8',
      });
      expect(html).toContain(message);
      expect(html).toContain('<html lang="en"');
      expect(html).not.toMatch(/node_modules|\bat \w+ \(|Error:/);
      expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    }
    expect(written()).toEqual(before);
  },
);
