import crypto from 'node:crypto';
import { loadConfig, parseKeyRing } from '../../src/config';
import { configProblems as problems } from '../support/config-problems';

const key = () => crypto.randomBytes(32).toString('base64');

describe('configuration', () => {
  test('with no environment at all, it runs on development defaults and says which', () => {
    const config = loadConfig({} as NodeJS.ProcessEnv);
    expect(config).toMatchObject({
      port: 3000,
      publicBaseUrl: 'http://localhost:3000',
      defaultLocale: 'de',
      s3: null,
      production: false,
    });
    expect(config.keyRing.generated).toBe(true);
    expect(config.defaultsInUse.join('\n')).toMatch(/S3_BUCKET/);
    expect(config.defaultsInUse.join('\n')).toMatch(/CONSENT_KEYS/);
    expect(config.defaultsInUse.join('\n')).toMatch(/HUMAN_AGENT_NUMBER/);
  });

  test('a postgres:// DATABASE_URL selects PostgreSQL and DATABASE_PATH is ignored; any other scheme is refused by name', () => {
    const url = 'postgres://u:p@localhost:5432/consent';
    const config = loadConfig({ DATABASE_URL: url, DATABASE_PATH: '/nowhere/x.db' } as NodeJS.ProcessEnv);
    expect(config.database).toBe(url);
    expect(config.databaseUrl).toBe(url);
    expect(loadConfig({ DATABASE_URL: 'postgresql://h/db' } as NodeJS.ProcessEnv).database).toBe(
      'postgresql://h/db',
    );
    expect(loadConfig({ DATABASE_PATH: '/tmp/x.db' } as NodeJS.ProcessEnv).database).toBe('/tmp/x.db');
    expect(problems({ DATABASE_URL: 'mysql://u@h/db' }).join('\n')).toMatch(
      /^DATABASE_URL: must be a postgres:\/\//m,
    );
    expect(problems({ DATABASE_URL: './consent.db' }).join('\n')).toMatch(
      /^DATABASE_URL: must be a postgres:\/\//m,
    );
    expect(problems({})).toEqual([]);
  });

  test('a job lease is five minutes unless JOB_LEASE_SECONDS says otherwise; one too short to renew is refused by name', () => {
    expect(loadConfig({} as NodeJS.ProcessEnv).jobLeaseSeconds).toBe(300);
    expect(loadConfig({ JOB_LEASE_SECONDS: '30' } as NodeJS.ProcessEnv).jobLeaseSeconds).toBe(30);
    for (const bad of ['29', '3601', '45.5', 'soon'])
      expect(problems({ JOB_LEASE_SECONDS: bad })).toEqual([
        'JOB_LEASE_SECONDS: must be a whole number from 30 to 3600',
      ]);
  });

  test('the sweep leaves a recording alone for ten minutes unless TWILIO_SWEEP_GRACE_SECONDS says otherwise; out of range is refused by name', () => {
    expect(loadConfig({} as NodeJS.ProcessEnv).sweepGraceSeconds).toBe(600);
    expect(loadConfig({ TWILIO_SWEEP_GRACE_SECONDS: '5' } as NodeJS.ProcessEnv).sweepGraceSeconds).toBe(5);
    for (const bad of ['4', '86401', '7.5', 'later'])
      expect(problems({ TWILIO_SWEEP_GRACE_SECONDS: bad })).toEqual([
        'TWILIO_SWEEP_GRACE_SECONDS: must be a whole number from 5 to 86400',
      ]);
  });

  test('refusing never means no service: production without HUMAN_AGENT_NUMBER does not start, naming it', () => {
    const found = problems({
      NODE_ENV: 'production',
      PUBLIC_BASE_URL: 'https://ivr.example.com',
      TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'x',
      S3_BUCKET: 'clips',
      CONSENT_KEYS: `k1:${key()}`,
    });
    expect(found).toEqual([expect.stringMatching(/^HUMAN_AGENT_NUMBER: required in production/)]);
  });

  test('in production, every missing variable is named in one error', () => {
    const found = problems({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://ivr.example.com' });
    for (const name of [
      'TWILIO_ACCOUNT_SID',
      'TWILIO_AUTH_TOKEN',
      'S3_BUCKET',
      'CONSENT_KEYS',
      'HUMAN_AGENT_NUMBER',
    ])
      expect(found.some((p) => p.startsWith(name))).toBe(true);
  });

  test('in production with real settings, it starts', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PUBLIC_BASE_URL: 'https://ivr.example.com/',
      TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'x',
      S3_BUCKET: 'clips',
      CONSENT_KEYS: `k2:${key()},k1:${key()}`,
      HUMAN_AGENT_NUMBER: '+4930123456',
    } as NodeJS.ProcessEnv);
    expect(config.publicBaseUrl).toBe('https://ivr.example.com');
    expect(config.keyRing.entries.map((e) => e.id)).toEqual(['k2', 'k1']);
    // Only signed-off notice versions play in production; development plays drafts.
    expect(config.notices).toEqual({ drafts: 'refuse', firstVersion: 'live', approvers: ['dpo', 'admin'] });
    expect(loadConfig({} as NodeJS.ProcessEnv).notices.drafts).toBe('play');
  });

  test('PUBLIC_BASE_URL with an upper-case scheme or host is taken in lower case; its path keeps its case', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PUBLIC_BASE_URL: 'HTTPS://Example.COM/IVR/',
      TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'x',
      S3_BUCKET: 'clips',
      CONSENT_KEYS: `k1:${key()}`,
      HUMAN_AGENT_NUMBER: '+4930123456',
    } as NodeJS.ProcessEnv);
    expect(config.publicBaseUrl).toBe('https://example.com/IVR');
    expect(config.publicBaseUrlAsGiven).toBe('HTTPS://Example.COM/IVR');
    expect(
      loadConfig({ PUBLIC_BASE_URL: 'https://ivr.example.com' } as NodeJS.ProcessEnv).publicBaseUrlAsGiven,
    ).toBeUndefined();
    expect(problems({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'HTTP://Example.COM' })).toContainEqual(
      'PUBLIC_BASE_URL: must be https:// in production',
    );
  });

  test('production never plays unapproved texts: NOTICE_DRAFTS=play is refused there; approvers are dpo and/or admin', () => {
    const found = problems({ NODE_ENV: 'production', NOTICE_DRAFTS: 'play' });
    expect(found).toContainEqual(expect.stringMatching(/^NOTICE_DRAFTS: production never plays/));
    expect(problems({ NOTICE_APPROVERS: 'dpo,ops' })).toEqual([expect.stringMatching(/^NOTICE_APPROVERS: /)]);
    expect(loadConfig({ NOTICE_APPROVERS: 'dpo' } as NodeJS.ProcessEnv).notices.approvers).toEqual(['dpo']);
  });

  test.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PUBLIC_BASE_URL: 'ftp://x' }, 'PUBLIC_BASE_URL'],
    [{ PUBLIC_BASE_URL: 'https://ivr.example.com/?tenant=1' }, 'PUBLIC_BASE_URL'],
    [{ PUBLIC_BASE_URL: 'https://ivr.example.com?tenant=1' }, 'PUBLIC_BASE_URL'],
    [{ PUBLIC_BASE_URL: 'https://ivr.example.com/ivr#top' }, 'PUBLIC_BASE_URL'],
    [{ PUBLIC_BASE_URL: 'https://twilio:secret@ivr.example.com' }, 'PUBLIC_BASE_URL'],
    [{ HUMAN_AGENT_NUMBER: '0301234' }, 'HUMAN_AGENT_NUMBER'],
    [{ ASSISTANT_URL: 'ftp://a' }, 'ASSISTANT_URL'],
    [{ DEFAULT_LOCALE: 'xx' }, 'DEFAULT_LOCALE'],
    [{ CONSENT_KEYS: 'k1:c2hvcnQ=' }, 'CONSENT_KEYS'],
    [{ TWILIO_API_BASE: 'https://api.twilio.com/path' }, 'TWILIO_API_BASE'],
    [{ MIN_SPEECH_CONFIDENCE: '2' }, 'MIN_SPEECH_CONFIDENCE'],
  ])('a bad value %p is reported by name', (env, name) => {
    expect(problems(env as Record<string, string>).some((p) => p.startsWith(name))).toBe(true);
  });

  test('key ring entries must be 32 bytes, unique, and named', () => {
    expect(() => parseKeyRing(`a:${key()},a:${key()}`)).toThrow(/twice/);
    expect(() => parseKeyRing('nocolon')).toThrow(/id:base64/);
    expect(() => parseKeyRing(`a:${Buffer.alloc(16).toString('base64')}`)).toThrow(/16 bytes/);
  });
});
