/**
 * compose.yaml is the documented way to run several instances. No Docker engine runs here, so the
 * file is checked for what would break it silently: every variable it gives the gateway is one the
 * service reads, production's required ones are all there, the ledger is PostgreSQL, and the proxy
 * config it mounts exists and names every instance.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ENV_VARIABLES } from '../../src/config';

const root = path.join(__dirname, '..', '..');
const compose = fs.readFileSync(path.join(root, 'compose.yaml'), 'utf8');

/** The keys of the `environment:` map under the `x-gateway` anchor (two-space YAML, as written). */
function gatewayEnvironment(): Map<string, string> {
  const block = /^x-gateway: &gateway\n([\s\S]*?)^\S/m.exec(compose)?.[1] ?? '';
  const env = /^ {2}environment:\n((?: {4}.*\n)+)/m.exec(block)?.[1] ?? '';
  return new Map(
    env
      .split('\n')
      .filter(Boolean)
      .map((line) => /^ {4}([A-Z0-9_]+): (.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1] as string, m[2] as string]),
  );
}

test('the gateway instances get only variables the service reads, and every one production requires', () => {
  const env = gatewayEnvironment();
  expect(env.size).toBeGreaterThan(5);
  const sdk = new Set(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
  for (const name of env.keys()) if (!sdk.has(name)) expect(Object.keys(ENV_VARIABLES)).toContain(name);
  for (const required of [
    'NODE_ENV',
    'PUBLIC_BASE_URL',
    'DATABASE_URL',
    'CONSENT_KEYS',
    'TWILIO_ACCOUNT_SID',
    'TWILIO_AUTH_TOKEN',
    'HUMAN_AGENT_NUMBER',
    'S3_BUCKET',
  ])
    expect(env.has(required)).toBe(true);
  expect(env.get('NODE_ENV')).toBe('production');
  expect(env.get('DATABASE_URL')).toMatch(/^postgres:\/\/.*@postgres:5432\//);
});

test('two instances share the gateway definition and the proxy config names both', () => {
  const instances = [...compose.matchAll(/^ {2}(gateway-\d+): \*gateway$/gm)].map((m) => m[1]);
  expect(instances.length).toBeGreaterThanOrEqual(2);
  const mount = /- \.\/(deploy\/nginx\.conf):/.exec(compose)?.[1];
  expect(mount).toBeDefined();
  const nginx = fs.readFileSync(path.join(root, mount as string), 'utf8');
  for (const name of instances) expect(nginx).toContain(`server ${name}:3000`);
  // A webhook that failed on one instance must not be replayed on another by the proxy.
  expect(nginx).toMatch(/proxy_next_upstream off;/);
});
