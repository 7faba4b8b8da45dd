import fc from 'fast-check';
import { ApiTokenStore } from '../../src/audit/sessions';
import { addUser, Client, startPortal, type Portal } from './audit-support';

let portal: Portal;
let opsToken: string;
let revokedToken: string;
let sessionClient: Client;

beforeAll(async () => {
  portal = await startPortal();
  const ops = await addUser(portal, 'ops');
  const id = portal.rt.ledger.db
    .prepare('SELECT id FROM users WHERE email = ?')
    .pluck()
    .get(ops.email) as number;
  const tokens = new ApiTokenStore(portal.rt.ledger);
  opsToken = tokens.create(id, 'ops script', id).secret;
  const revoked = tokens.create(id, 'old script', id);
  tokens.revoke(revoked.id);
  revokedToken = revoked.secret;
  sessionClient = new Client(portal.url);
  await sessionClient.login(ops);
});
afterAll(() => portal.close());

async function call(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; type: string; location: string | null; json: { error?: unknown } | null }> {
  const res = await fetch(portal.url + path, { method, headers, body, redirect: 'manual' });
  const text = await res.text();
  const json = ((): { error?: unknown } | null => {
    try {
      return JSON.parse(text) as { error?: unknown };
    } catch {
      return null;
    }
  })();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    location: res.headers.get('location'),
    json,
  };
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

describe('the portal API answers API clients in JSON', () => {
  test('When no token is sent, then every API path answers 401 JSON with WWW-Authenticate, never a redirect to the login page', async () => {
    for (const path of [
      '/audit/api',
      '/audit/api/',
      '/audit/api/consents',
      '/audit/api/users',
      '/audit/api/nothing-here',
    ]) {
      const r = await call('GET', path);
      expect({ path, status: r.status, location: r.location }).toEqual({ path, status: 401, location: null });
      expect(r.type).toMatch(/^application\/json/);
      expect(r.json?.error).toMatch(/Authorization: Bearer/);
    }
    const res = await fetch(`${portal.url}/audit/api/stats`, { redirect: 'manual' });
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  test('When the token is wrong or revoked, or only a session cookie is sent, then the answer is 401 JSON', async () => {
    for (const headers of [
      bearer('cgt_not-a-token'),
      bearer(revokedToken),
      { authorization: 'Basic eDp5' },
    ]) {
      const r = await call('GET', '/audit/api/stats', headers);
      expect(r.status).toBe(401);
      expect(r.type).toMatch(/^application\/json/);
      expect(typeof r.json?.error).toBe('string');
    }
    // A browser session is no API credential: the API never falls back to the cookie.
    const viaCookie = await sessionClient.get('/audit/api/stats');
    expect(viaCookie.status).toBe(401);
    expect(viaCookie.headers.get('content-type')).toMatch(/^application\/json/);
  });

  test('When a role may not use a route, then the answer is 403 JSON naming the role', async () => {
    for (const path of ['/audit/api/consents?consentId=x', '/audit/api/users', '/audit/api/access-log']) {
      const r = await call('GET', path, bearer(opsToken));
      expect(r.status).toBe(403);
      expect(r.type).toMatch(/^application\/json/);
      expect(r.json?.error).toBe('the ops role may not do this');
    }
    const post = await call('POST', '/audit/api/approvals/1/approve', bearer(opsToken));
    expect(post.status).toBe(403);
    // The same request is allowed where the role may: ops reads statistics.
    expect((await call('GET', '/audit/api/stats', bearer(opsToken))).status).toBe(200);
  });

  test('When the body is not JSON or is too large, or the route does not exist, then the answer is a 4xx JSON error, not a 500', async () => {
    const json = { ...bearer(opsToken), 'content-type': 'application/json' };
    const bad = await call('POST', '/audit/api/tokens', json, '{"name": ');
    expect([bad.status, bad.json?.error]).toEqual([400, 'the request body is not valid JSON or form data']);
    const big = await call('POST', '/audit/api/tokens', json, JSON.stringify({ name: 'x'.repeat(40_000) }));
    expect(big.status).toBe(413);
    expect(big.type).toMatch(/^application\/json/);
    const missing = await call('GET', '/audit/api/no-such-route', bearer(opsToken));
    expect([missing.status, missing.json?.error]).toEqual([404, 'not found']);
  });

  test('Whatever path, method and headers an API client sends, the answer is JSON and never a redirect or a 5xx', async () => {
    // "." and ".." are resolved by the client before sending: /audit/api/.. is no API path.
    const segment = fc.stringMatching(/^[A-Za-z0-9._~%-]{0,12}$/).filter((s) => s !== '.' && s !== '..');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
        fc.array(segment, { maxLength: 4 }),
        fc.constantFrom<Record<string, string>>({}, bearer('cgt_x'), bearer(opsToken), bearer(revokedToken)),
        fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
        async (method, segments, headers, body) => {
          const path = `/audit/api/${segments.join('/')}`;
          const r = await call(
            method,
            path,
            { ...headers, 'content-type': 'application/json' },
            method === 'GET' ? undefined : body,
          );
          expect(r.status >= 300 && r.status < 400).toBe(false);
          expect(r.status).toBeLessThan(500);
          expect(r.type).toMatch(/^application\/json/);
        },
      ),
      { numRuns: 150 },
    );
  });
});
