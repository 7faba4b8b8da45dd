import { consentExpiresAt, DAY_MS, retentionVerdict } from '../../src/lifecycle/retention';

const schedule = [
  { id: 'call', retentionDays: 30 },
  { id: 'ai_training', retentionDays: 365 },
  { id: 'personalization', retentionDays: 0.5 },
];
const given = new Date('2026-01-01T00:00:00Z');
const at = (days: number) => new Date(given.getTime() + days * DAY_MS);
const consent = (purposes: Record<string, boolean>, ended: Record<string, string> = {}) => ({
  id: 'C1',
  createdAt: given,
  purposes,
  ended,
});

describe('the retention rule', () => {
  test('nothing changes before the first granted purpose ends', () => {
    expect(retentionVerdict(consent({ call: true, ai_training: true }), schedule, at(29.9))).toBeNull();
  });

  test('a purpose ends when its own retention has elapsed since the consent; the consent goes on while another is left', () => {
    expect(retentionVerdict(consent({ call: true, ai_training: true }), schedule, at(30))).toEqual({
      consentId: 'C1',
      ending: ['call'],
      expires: false,
    });
  });

  test('when the last granted purpose ends the consent expires, naming every purpose ending now', () => {
    const c = consent({ call: true, ai_training: false, personalization: true });
    expect(retentionVerdict(c, schedule, at(31))).toEqual({
      consentId: 'C1',
      ending: ['call', 'personalization'],
      expires: true,
    });
  });

  test('refused purposes keep nothing alive, and purposes ended before are not ended again', () => {
    const c = consent({ call: true, ai_training: true }, { call: at(30).toISOString() });
    expect(retentionVerdict(c, schedule, at(100))).toBeNull();
    expect(retentionVerdict(c, schedule, at(365))).toEqual({
      consentId: 'C1',
      ending: ['ai_training'],
      expires: true,
    });
  });

  test('fractions of a day count: 0.5 days is twelve hours', () => {
    const c = consent({ personalization: true });
    expect(retentionVerdict(c, schedule, new Date(given.getTime() + 12 * 3_600_000 - 1))).toBeNull();
    expect(retentionVerdict(c, schedule, new Date(given.getTime() + 12 * 3_600_000))?.expires).toBe(true);
  });

  test('a purpose the operator no longer configures ends at once: nothing says how long to keep it', () => {
    expect(retentionVerdict(consent({ call: true, retired: true }), schedule, at(1))).toEqual({
      consentId: 'C1',
      ending: ['retired'],
      expires: false,
    });
  });

  test('the consent as a whole expires at the end of its longest granted purpose', () => {
    expect(consentExpiresAt(consent({ call: true, ai_training: true }), schedule)).toEqual(at(365));
    expect(consentExpiresAt(consent({ call: true, ai_training: false }), schedule)).toEqual(at(30));
  });
});
