import { formatDateTime, formatDuration, timeTag } from '../../src/audit/portal-time';
import { timelineSvg } from '../../src/audit/timeline-svg';
import { timelineEntries, type TimelineEvent } from '../../src/audit/timeline-words';

const names: Record<string, string> = { call: 'processing of this call', ai_training: 'improving the AI' };
const ctx = { lang: 'en' as const, purposeName: (id: string) => names[id] ?? id };
const at = (s: number): string => new Date(Date.UTC(2026, 2, 3, 9, 41, s)).toISOString();
const ev = (seq: number, s: number, type: string, data: Record<string, unknown> = {}): TimelineEvent => ({
  seq,
  at: at(s),
  type,
  data,
});

describe('the timeline in words', () => {
  const events = [
    ev(1, 0, 'call_started', { locale: 'de', country: 'DE' }),
    ev(2, 7, 'disclosed', { locale: 'de', played: 'complete' }),
    ev(3, 12, 'answer', { via: 'dtmf', intent: 'yes', reason: 'key 1 means yes', confidence: null }),
    ev(4, 12, 'granted', { purpose: 'call', main: true, reason: 'key 1 means yes' }),
    ev(5, 20, 'answer', {
      via: 'speech',
      intent: 'no',
      reason: 'speech matched no phrase …',
      confidence: 0.9,
    }),
    ev(6, 20, 'declined', { purpose: 'ai_training', main: false, reason: '' }),
    ev(7, 21, 'handover', { to: 'assistant', reason: 'consent given', consentHolds: true }),
    ev(8, 30, 'brand_new_event', {}),
  ];

  test('An answer and the decision it made read as one sentence with the purpose’s own name', () => {
    const entries = timelineEntries(events, ctx);
    expect(entries.map((x) => x.text)).toEqual([
      'Call came in (de, caller country DE)',
      'Disclosure played to the end (de)',
      'Answered 1 by keypad: consent to processing of this call',
      'Answered by voice: no consent to improving the AI',
      'Handed to the AI assistant (consent holds)',
      'brand new event',
    ]);
  });

  test('Each step says how long after the previous one it came', () => {
    expect(timelineEntries(events, ctx).map((x) => x.sincePrevious)).toEqual([
      null,
      7000,
      5000,
      8000,
      1000,
      9000,
    ]);
  });

  test('A speech answer shows why it counted, preferring the full reason sealed with the caller’s key', () => {
    const entries = timelineEntries(events, ctx, new Map([[5, "speech matched no phrase 'nein danke'"]]));
    expect(entries[3]?.why).toBe("speech matched no phrase 'nein danke' (recognition confidence 0.90)");
    expect(timelineEntries(events, ctx)[3]?.why).toBe(
      'speech matched no phrase … (recognition confidence 0.90)',
    );
  });

  test('German auditors read German sentences', () => {
    const de = timelineEntries(events, { ...ctx, lang: 'de' });
    expect(de[1]?.text).toBe('Hinweis bis zum Ende abgespielt (de)');
    expect(de[2]?.text).toBe('Mit Taste 1 geantwortet: Einwilligung in processing of this call');
  });

  test('The SVG has a dot per step, a label for screen readers and no script', () => {
    const svg = timelineSvg(timelineEntries(events, ctx), 'Timeline of the call');
    expect(svg.match(/<circle /g)).toHaveLength(6);
    expect(svg).toContain('role="img" aria-label="Timeline of the call"');
    expect(svg).not.toMatch(/<script|on[a-z]+=/i);
  });
});

describe('portal times', () => {
  test('Times show in the portal’s zone with the UTC instant kept in datetime and on hover', () => {
    const iso = '2026-03-03T09:41:07.000Z';
    expect(formatDateTime(iso, { zone: 'Europe/Berlin', lang: 'en' })).toBe('03/03/2026, 10:41:07 CET');
    expect(timeTag(iso, { zone: 'Europe/Berlin', lang: 'de' }, 'time')).toBe(
      '<time datetime="2026-03-03T09:41:07.000Z" title="2026-03-03 09:41:07.000 UTC">10:41:07</time>',
    );
    // Summer time and other zones follow the zone's own rules.
    expect(formatDateTime('2026-07-01T09:41:07.000Z', { zone: 'Europe/Berlin', lang: 'en' })).toContain(
      '11:41:07',
    );
    expect(formatDateTime(iso, { zone: 'America/New_York', lang: 'en' })).toContain('04:41:07');
  });

  test('Durations read as seconds, minutes and hours', () => {
    expect([4000, 65_000, 120_000, 7_380_000].map(formatDuration)).toEqual([
      '4 s',
      '1 min 5 s',
      '2 min',
      '2 h 3 min',
    ]);
  });
});
