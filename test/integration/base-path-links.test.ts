import crypto from 'node:crypto';
import type { Role } from '../../src/audit/roles';
import { UserStore } from '../../src/audit/users';
import { Client, type TestUser } from './audit-support';
import { startGateway, type Gateway } from '../support/gateway';
import { startPathProxy, type PathProxy } from '../support/path-proxy';

/**
 * Every link, asset and form of the caller's and the auditor's pages, followed from the start
 * pages as a crawler would, behind a proxy that publishes the service under /ivr: each one names
 * a URL under /ivr, and each page it leads to answers (no 404, no redirect out of the path).
 */
let gw: Gateway;
let proxy: PathProxy;

beforeAll(async () => {
  let upstream = '';
  proxy = await startPathProxy('/ivr', () => upstream);
  gw = await startGateway({ PUBLIC_BASE_URL: proxy.url }, { basePath: '/ivr', portal: true });
  upstream = gw.url;
  gw.emulator.options.appBaseUrl = proxy.url;
  const call = gw.emulator.placeCall({ from: '+4915112377001', to: '+4930123456', fromCountry: 'DE' });
  await call.start();
  for (const k of ['1', '1', '1']) await call.press(k);
  await call.hangup();
  await gw.emulator.settle();
  await gw.runJobs();
}, 30_000);
afterAll(async () => {
  await gw?.close();
  await proxy?.close();
});

async function user(role: Role): Promise<TestUser> {
  const password = `pw-${crypto.randomBytes(8).toString('hex')}`;
  const email = `${role}-${crypto.randomBytes(3).toString('hex')}@example.com`;
  const { otpauth } = await new UserStore(gw.runtime.ledger).add(email, role, password);
  return { email, password, role, secret: new URL(otpauth).searchParams.get('secret') ?? '' };
}

const ATTRIBUTE = /\b(href|src|action|formaction)="([^"]*)"/g;
/** Links a crawler must not follow: they end the session or change something on a GET. */
const NOT_FOLLOWED = /\/logout|[?&]download=|\.pem$|\/export$|format=(csv|json)|\.csv|\.json/;

/** Crawls from `start` on the public origin; returns every link seen and every page's status. */
async function crawl(client: Client, starts: string[], limit = 80) {
  const origin = new URL(proxy.url).origin;
  const links = new Set<string>();
  const statuses = new Map<string, number>();
  const queue = [...starts];
  while (queue.length > 0 && statuses.size < limit) {
    const path = queue.shift()!;
    if (statuses.has(path)) continue;
    const res = await client.get(path.slice('/ivr'.length));
    statuses.set(path, res.status);
    const location = res.headers.get('location');
    if (location) {
      links.add(location);
      if (location.startsWith('/ivr/')) queue.push(location);
    }
    if (!(res.headers.get('content-type') ?? '').includes('html')) continue;
    for (const [, attr, raw] of (await res.text()).matchAll(ATTRIBUTE)) {
      const value = raw!.replace(/&amp;/g, '&');
      if (
        value.startsWith('#') ||
        value.startsWith('data:') ||
        (/^https?:/.test(value) && !value.startsWith(origin))
      )
        continue;
      const local = value.startsWith(origin) ? value.slice(origin.length) : value;
      links.add(local);
      if (
        attr !== 'action' &&
        attr !== 'formaction' &&
        local.startsWith('/ivr/') &&
        !NOT_FOLLOWED.test(local)
      )
        queue.push(local);
    }
  }
  return { links: [...links], statuses };
}

test.each([
  ['passes the path on', false],
  ['strips the path', true],
])(
  'behind a proxy that %s, every link of the pages stays under the path and leads somewhere',
  async (_n, strip) => {
    proxy.strip = strip;
    proxy.outside.length = 0;
    const caller = await crawl(new Client(proxy.url), [
      '/ivr/privacy?lng=en',
      '/ivr/privacy/withdraw?lng=de',
    ]);
    const adminClient = new Client(proxy.url);
    await adminClient.login(await user('admin'));
    const admin = await crawl(adminClient, ['/ivr/audit/']);
    const auditorClient = new Client(proxy.url);
    await auditorClient.login(await user('auditor'));
    await auditorClient.statReason();
    const auditor = await crawl(auditorClient, [
      '/ivr/audit/',
      '/ivr/audit/consents?number=%2B4915112377001',
    ]);

    for (const { links, statuses } of [caller, admin, auditor]) {
      expect(links.filter((l) => !l.startsWith('/ivr/'))).toEqual([]);
      expect([...statuses].filter(([, status]) => status >= 400)).toEqual([]);
    }
    // The consent found, its call and its evidence pages were reached, not just the menus.
    expect(
      [...auditor.statuses.keys()].filter((p) => /\/audit\/(consents|calls)\/[A-Z]/.test(p)).length,
    ).toBeGreaterThan(1);
    expect(proxy.outside).toEqual([]);
  },
  60_000,
);
