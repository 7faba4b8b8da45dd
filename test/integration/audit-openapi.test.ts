import fs from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { Approvals } from '../../src/audit/approvals';
import { can, ROLES, type Permission, type Role } from '../../src/audit/roles';
import { ApiTokenStore } from '../../src/audit/sessions';
import { UserStore } from '../../src/audit/users';
import { createAuditRouter } from '../../src/http/audit';
import { API_SCHEMAS, openApiPath } from '../../src/http/audit/openapi';
import { API_OPERATIONS, type ApiOperation } from '../../src/http/audit/openapi-operations';
import { withdrawConsents } from '../../src/lifecycle/withdraw';
import { createLogger } from '../../src/logger';
import { addUser, seedConsent, startPortal, type Portal, type Seeded } from './audit-support';

let portal: Portal;
let seeded: Seeded;
const tokens = {} as Record<Role | 'second', string>;
const ids: Record<string, string> = {};

const userId = (email: string): number => new UserStore(portal.rt.ledger).byEmail(email)?.id ?? 0;
const mint = (email: string): string => {
  const id = userId(email);
  return new ApiTokenStore(portal.rt.ledger).create(id, 'openapi test', id).secret;
};

beforeAll(async () => {
  portal = await startPortal({
    CRM_WEBHOOK_URL: 'http://127.0.0.1:9/crm',
    CRM_WEBHOOK_SECRET: `whsec_${Buffer.alloc(24, 7).toString('base64')}`,
  });
  seeded = await seedConsent(portal.rt, { withClip: true });
  for (const role of ROLES) tokens[role] = mint((await addUser(portal, role)).email);
  const second = await addUser(portal, 'auditor');
  tokens.second = mint(second.email);
  // Objects the routes act on: a withdrawn consent (certificate, CRM delivery), two requests to
  // decide, an account to change, a token to revoke.
  const gone = await seedConsent(portal.rt);
  withdrawConsents(portal.rt.ledger, {
    consentId: gone.consentId,
    channel: 'letter',
    ticket: 'T-9',
    actor: 'staff@example.com',
    at: new Date(),
    outbound: { crm: true, receipts: false },
  });
  const job = portal.rt.ledger.db.prepare("SELECT id FROM jobs WHERE kind LIKE 'crm%' LIMIT 1").pluck().get();
  portal.rt.ledger.db.prepare("UPDATE jobs SET status = 'failed' WHERE id = ?").run(job);
  const approvals = new Approvals(portal.rt.ledger);
  const requester = portal.rt.ledger.db
    .prepare("SELECT id FROM users WHERE role = 'auditor' ORDER BY id LIMIT 1")
    .pluck()
    .get() as number;
  approvals.request(seeded.consentId, requester, 'first reason');
  approvals.request(seeded.consentId, requester, 'second reason');
  const [a, b] = approvals.pendingFor(userId(second.email));
  const fixture = new UserStore(portal.rt.ledger).invite('fixture.user@example.com', 'auditor');
  const adminId = userId(
    portal.rt.ledger.db.prepare("SELECT email FROM users WHERE role = 'admin'").pluck().get() as string,
  );
  Object.assign(ids, {
    '/consents/:id': seeded.consentId,
    '/calls/:sid': seeded.callSid,
    '/certificates/:id': gone.consentId,
    '/crm/:id': String(job),
    '/approvals/:id/approve': String(a?.id),
    '/approvals/:id/reject': String(b?.id),
    '/users/:id': String(fixture.id),
    '/tokens/:id': String(new ApiTokenStore(portal.rt.ledger).create(adminId, 'to revoke', adminId).id),
  });
}, 30_000);
afterAll(() => portal.close());

/** A role that holds the permission, and (for the 403 check) one that does not. */
const roleWith = (p: Permission | null): Role =>
  p === null ? 'admin' : (ROLES.find((r) => can(r, p)) ?? 'admin');
const roleWithout = (p: Permission): Role | undefined => ROLES.find((r) => !can(r, p));

function urlOf(op: ApiOperation): string {
  const prefix = Object.keys(ids)
    .filter((k) => op.path.startsWith(k))
    .sort((x, y) => y.length - x.length)[0];
  const param = prefix ? ids[prefix] : undefined;
  const p = op.path.replace(/:(\w+)/, param ?? 'x');
  const query = new URLSearchParams(
    Object.entries(op.query ?? {}).map(([k, q]): [string, string] => [k, q.example]),
  );
  return `${portal.url}/audit/api${p}${query.size ? `?${query}` : ''}`;
}

async function call(op: ApiOperation, token: string): Promise<Response> {
  return fetch(urlOf(op), {
    method: op.method.toUpperCase(),
    headers: {
      authorization: `Bearer ${token}`,
      'x-audit-reason': 'OpenAPI contract test, ticket 1',
      'content-type': 'application/json',
    },
    body: op.method === 'post' ? JSON.stringify(op.body?.example ?? {}) : undefined,
  });
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
for (const [name, schema] of Object.entries(API_SCHEMAS))
  ajv.addSchema(schema, `#/components/schemas/${name}`);
const validate = (name: string, value: unknown): string[] => {
  const v = ajv.getSchema(`#/components/schemas/${name}`);
  if (!v) return [`no schema ${name}`];
  return v(value) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
};

describe('the OpenAPI description of the portal API', () => {
  test('GET /audit/api/openapi.json serves an OpenAPI 3.1 document without a token', async () => {
    const res = await fetch(`${portal.url}/audit/api/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    for (const op of API_OPERATIONS) expect(doc.paths[openApiPath(op.path).path]?.[op.method]).toBeDefined();
  });

  test('Every API route of the real router is documented, and every documented route exists', () => {
    const router = createAuditRouter({
      ledger: portal.rt.ledger,
      store: portal.rt.store,
      config: portal.rt.config,
      log: createLogger('silent'),
      checkpoints: portal.rt.checkpoints,
    });
    const routed = new Set<string>();
    for (const layer of router.stack) {
      const route = layer.route as { path?: unknown; methods?: Record<string, boolean> } | undefined;
      if (typeof route?.path !== 'string' || !route.path.startsWith('/api')) continue;
      // The description itself is served beside the routes it describes.
      if (route.path === '/api/openapi.json') continue;
      for (const method of Object.keys(route.methods ?? {}))
        routed.add(`${method} ${route.path.slice(4) || '/'}`);
    }
    const documented = new Set(API_OPERATIONS.map((op) => `${op.method} ${op.path}`));
    const undocumented = [...routed].filter((r) => !documented.has(r));
    // A new API route: add it to src/http/audit/openapi-operations.ts (or openapi-admin-ops.ts) with an example.
    expect(undocumented).toEqual([]);
    expect([...documented].filter((r) => !routed.has(r))).toEqual([]);
  });

  /** No draft notice to sign off in this harness: the live answer is the documented 404, as an Error. */
  const NO_FIXTURE: Record<string, number> = { 'post /notices/:id/approve': 404 };

  test('Each documented example fits its schema, and each live answer has the documented status and shape', async () => {
    const problems: string[] = [];
    for (const op of API_OPERATIONS) {
      const name = `${op.method.toUpperCase()} ${op.path}`;
      const token = op.path.startsWith('/approvals/:id') ? tokens.second : tokens[roleWith(op.permission)];
      const res = await call(op, token);
      const instead = NO_FIXTURE[`${op.method} ${op.path}`];
      if (instead !== undefined) {
        if ('schema' in op.ok)
          for (const p of validate(op.ok.schema, op.ok.example)) problems.push(`${name} example: ${p}`);
        if (res.status !== instead || !op.errors?.includes(instead)) problems.push(`${name}: ${res.status}`);
        for (const p of validate('Error', await res.json())) problems.push(`${name} error: ${p}`);
        continue;
      }
      if (res.status !== op.ok.status) problems.push(`${name}: ${res.status}, documented ${op.ok.status}`);
      if ('schema' in op.ok) {
        for (const p of validate(op.ok.schema, op.ok.example)) problems.push(`${name} example: ${p}`);
        const body: unknown = await res.json().catch(() => 'not JSON');
        for (const p of validate(op.ok.schema, body)) problems.push(`${name} live: ${p}`);
      } else if (!(res.headers.get('content-type') ?? '').startsWith(op.ok.media))
        problems.push(`${name}: ${res.headers.get('content-type')}, documented ${op.ok.media}`);
    }
    expect(problems).toEqual([]);
  });

  test('Each route with a permission answers 403 JSON to a role without it', async () => {
    for (const op of API_OPERATIONS) {
      if (!op.permission) continue;
      const role = roleWithout(op.permission);
      if (!role) continue;
      const res = await call(op, tokens[role]);
      expect({ route: `${op.method} ${op.path}`, status: res.status }).toEqual({
        route: `${op.method} ${op.path}`,
        status: 403,
      });
      expect(validate('Error', await res.json())).toEqual([]);
    }
  });

  test('The README lists the description and an example for every API route', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    expect(readme).toContain('/audit/api/openapi.json');
    const missing = API_OPERATIONS.filter(
      (op) => !readme.includes(`${op.method.toUpperCase()} /audit/api${op.path === '/' ? '/' : op.path}`),
    ).map((op) => `${op.method} ${op.path}`);
    expect(missing).toEqual([]);
  });
});
