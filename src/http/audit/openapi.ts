import type { OpenAPIV3_1 } from 'openapi-types';
import { API_OPERATIONS, type ApiOperation, type JsonSchema } from './openapi-operations';
import type { PortalKit } from './kit';

const str = { type: 'string' };
const int = { type: 'integer' };
const bool = { type: 'boolean' };
const arr = { type: 'array' };
const obj = (required: string[], properties: Record<string, JsonSchema> = {}): JsonSchema => ({
  type: 'object',
  required,
  properties,
});
const nullable = (type: string): JsonSchema => ({ type: [type, 'null'] });

/** The answers' shapes: the keys a client can rely on (more may come; none will go). */
export const API_SCHEMAS: Record<string, JsonSchema> = {
  Error: obj(['error'], { error: str }),
  Status: obj(['status'], { status: str }),
  Home: obj(['user', 'role', 'publicKeyPem'], {
    user: str,
    role: str,
    publicKeyPem: str,
    accountChanges: arr,
  }),
  SearchResult: obj(['rows', 'total', 'page', 'pages'], { rows: arr, total: int, page: int, pages: int }),
  ConsentDetail: obj(['consent', 'timeline', 'history', 'chain'], {
    consent: obj(['id', 'decision', 'status'], { id: str, decision: str, status: str }),
    timeline: arr,
    history: arr,
    chain: obj(['ok'], { ok: bool }),
  }),
  CallDetail: obj(['call', 'consents', 'events'], {
    call: obj(['call_sid'], { call_sid: str }),
    consents: arr,
    events: arr,
  }),
  Approvals: obj(['pending', 'mine'], { pending: arr, mine: arr }),
  Statistics: obj(['from', 'to', 'total', 'byLanguage', 'byPurpose', 'byNotice'], {
    from: str,
    to: str,
    total: obj(['calls'], { calls: int }),
    byLanguage: { type: 'object' },
    byPurpose: { type: 'object' },
    byNotice: { type: 'object' },
  }),
  Checks: obj(['checks'], {
    checks: { type: 'array', items: obj(['name', 'ok', 'detail'], { name: str, ok: bool, detail: str }) },
  }),
  Retention: obj(['until', 'purposes', 'expiring'], { until: str, purposes: arr, expiring: arr }),
  Withdrawals: obj(['unattested'], { unattested: arr }),
  WithdrawalForm: obj(['channels', 'fields'], { channels: arr, fields: arr }),
  Withdrawal: obj(['reference', 'consents'], { reference: str, consents: arr }),
  Certificate: obj(['consentId', 'reason', 'status', 'items', 'keyId', 'signature'], {
    consentId: str,
    reason: str,
    status: { enum: ['pending', 'complete'] },
    completedAt: nullable('string'),
    items: arr,
    keyId: str,
    signature: str,
  }),
  CrmDeliveries: obj(['configured', 'deliveries'], { configured: bool, deliveries: arr }),
  Users: obj(['users'], {
    users: {
      type: 'array',
      items: obj(['id', 'email', 'role', 'kind'], { id: int, email: str, role: str, kind: str }),
    },
  }),
  UserCreated: obj(['user', 'enrolUrl'], {
    user: obj(['id', 'email', 'role']),
    enrolUrl: nullable('string'),
  }),
  Enrolment: obj(['enrolUrl', 'enrolExpiresAt'], { enrolUrl: str, enrolExpiresAt: str }),
  UserChanged: obj(['user'], { user: { type: ['object', 'null'] } }),
  Tokens: obj(['tokens'], { tokens: arr }),
  Revoked: obj(['revoked'], { revoked: bool }),
  AccessLog: obj(['chain', 'records'], { chain: obj(['ok'], { ok: bool }), records: arr }),
  LedgerStatus: obj(['status', 'eventCount', 'latest', 'bucketCopy', 'incident'], {
    status: str,
    eventCount: int,
    latest: { type: ['object', 'null'] },
    bucketCopy: str,
    incident: { type: ['object', 'null'] },
  }),
  Acknowledged: obj(['acknowledged', 'status'], { acknowledged: int, status: str }),
  Notices: obj(['notice', 'live', 'drafts'], { drafts: arr }),
  NoticeApproved: obj(['approved'], { approved: str }),
  Reloaded: obj(['ok', 'status'], { ok: bool }),
  Results: obj(['from', 'to', 'results'], { from: str, to: str }),
  Review: obj(['quarter', 'from', 'to', 'consents', 'deletions'], { quarter: str, from: str, to: str }),
};

const ERROR_TEXT: Record<number, string> = {
  400: 'the request is incomplete or malformed',
  401: 'no valid bearer token',
  403: 'this role may not do this',
  404: 'no such object',
  409: 'the change would break a rule (the last admin, one’s own role)',
  422: 'the texts did not pass their checks; nothing was changed',
  428: 'personal data: send the reason for this access in X-Audit-Reason',
};

const ref = (name: string): OpenAPIV3_1.ReferenceObject => ({ $ref: `#/components/schemas/${name}` });

/** `/consents/:id` → `/consents/{id}` and its path parameters. */
export function openApiPath(path: string): { path: string; params: string[] } {
  const params = [...path.matchAll(/:(\w+)/g)].map((m) => m[1] ?? '');
  return { path: `/audit/api${path.replace(/:(\w+)/g, '{$1}')}`.replace(/\/$/, '/'), params };
}

function operation(op: ApiOperation): OpenAPIV3_1.OperationObject {
  const { params } = openApiPath(op.path);
  const responses: OpenAPIV3_1.ResponsesObject = {};
  responses[String(op.ok.status)] =
    'schema' in op.ok
      ? {
          description: op.summary,
          content: { 'application/json': { schema: ref(op.ok.schema), example: op.ok.example } },
        }
      : { description: op.summary, content: { [op.ok.media]: {} } };
  for (const status of [401, 403, ...(op.errors ?? [])])
    if (!responses[String(status)])
      responses[String(status)] = {
        description: ERROR_TEXT[status] ?? 'error',
        content: { 'application/json': { schema: ref('Error') } },
      };
  return {
    summary: op.summary,
    ...(op.permission
      ? { description: `Needs the permission \`${op.permission}\` (see Roles in the README).` }
      : {}),
    parameters: [
      ...params.map((name): OpenAPIV3_1.ParameterObject => ({
        name,
        in: 'path',
        required: true,
        schema: { type: 'string' },
      })),
      ...Object.entries(op.query ?? {}).map(([name, q]): OpenAPIV3_1.ParameterObject => ({
        name,
        in: 'query',
        description: q.description,
        example: q.example,
        schema: { type: 'string' },
      })),
      ...(op.needsReason
        ? [
            {
              name: 'X-Audit-Reason',
              in: 'header',
              required: true,
              description: 'why personal data is read (logged)',
              schema: { type: 'string' },
            } satisfies OpenAPIV3_1.ParameterObject,
          ]
        : []),
    ],
    ...(op.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: op.body.schema, example: op.body.example } },
          },
        }
      : {}),
    responses,
  };
}

/** The OpenAPI 3.1 description of every API route, served at /audit/api/openapi.json. */
export function openApiDocument(serverUrl: string): OpenAPIV3_1.Document {
  const paths: OpenAPIV3_1.PathsObject = {};
  for (const op of API_OPERATIONS) {
    const { path } = openApiPath(op.path);
    paths[path] = { ...paths[path], [op.method]: operation(op) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Consent gateway: auditor portal API',
      version: '1',
      description:
        'Everything the portal does, as JSON, with a bearer token minted at /audit/tokens. Errors are JSON `{ "error": "…" }`: 401 without a valid token, 403 for a role that may not. Reads of personal data need the reason in X-Audit-Reason and are logged.',
    },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: API_SCHEMAS as Record<string, OpenAPIV3_1.SchemaObject>,
    },
    paths,
  };
}

/** Public, like the README that lists it: it names routes, never data. */
export function mountOpenApiRoute(kit: PortalKit): void {
  kit.router.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument(kit.config.publicBaseUrl));
  });
}
