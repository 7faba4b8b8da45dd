import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { CRM_GIVE_UP_MS, crmRetryDelayMs } from '../../src/outbound/crm-delivery';
import { crmJsonSchema } from '../../src/outbound/crm-schema';
import { configProblems as problems } from '../support/config-problems';

describe('CRM events', () => {
  test('the first retries come within two minutes, and retries go on for more than 24 hours', () => {
    const delays = Array.from({ length: 40 }, (_, i) => crmRetryDelayMs(i + 1));
    expect(delays[0]! + delays[1]! + delays[2]!).toBeLessThanOrEqual(120_000);
    let elapsed = 0;
    let attempts = 0;
    while (elapsed <= CRM_GIVE_UP_MS) elapsed += crmRetryDelayMs(++attempts);
    expect(CRM_GIVE_UP_MS).toBeGreaterThanOrEqual(24 * 3600_000);
    // Back-off, not a storm: a CRM down for a day gets a few dozen attempts, not thousands.
    expect(attempts).toBeLessThan(30);
    expect(Math.max(...delays)).toBeLessThanOrEqual(6 * 3600_000);
  });

  test('the JSON Schema for integrators is the one the code checks deliveries with', () => {
    const file = path.join(__dirname, '../../docs/crm-events.schema.json');
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(crmJsonSchema());
  });

  test('CRM_WEBHOOK_SECRET must be whsec_ + base64 of at least 24 bytes', () => {
    const url = 'https://crm.example.com/hooks';
    const good = `whsec_${crypto.randomBytes(24).toString('base64')}`;
    expect(loadConfig({ CRM_WEBHOOK_URL: url, CRM_WEBHOOK_SECRET: good } as NodeJS.ProcessEnv).crm).toEqual({
      url,
      secret: good,
    });
    for (const bad of [
      '',
      crypto.randomBytes(32).toString('base64'),
      `whsec_${crypto.randomBytes(16).toString('base64')}`,
      'whsec_not*base64!',
    ])
      expect(problems({ CRM_WEBHOOK_URL: url, CRM_WEBHOOK_SECRET: bad })).toEqual([
        expect.stringMatching(/^CRM_WEBHOOK_SECRET/),
      ]);
    expect(problems({ CRM_WEBHOOK_URL: 'ftp://x', CRM_WEBHOOK_SECRET: good })[0]).toMatch(/^CRM_WEBHOOK_URL/);
    expect(problems({ RECEIPT_SMS: 'yes' })[0]).toMatch(/^RECEIPT_SMS/);
    expect(loadConfig({} as NodeJS.ProcessEnv).crm).toBeNull();
  });
});
