import fc from 'fast-check';
import {
  callerCondition,
  countryOfNumber,
  looksLikeNumber,
  numberReadings,
} from '../../src/audit/number-query';

/** A number written the ways people write it: spaces, dashes, slashes, brackets, dots. */
const written = (digits: string, seps: string[]): string =>
  digits
    .split('')
    .map((d, i) => `${d}${seps[i % seps.length] ?? ''}`)
    .join('');

describe('numbers as auditors type them', () => {
  test('Every way of writing a German number finds the E.164 form the caller hash is made of', () => {
    fc.assert(
      fc.property(
        // Berlin (30) and mobile (151) subscriber numbers of realistic length.
        fc.constantFrom('30', '151', '89', '40'),
        fc.stringMatching(/^[1-9][0-9]{6,7}$/),
        fc.array(fc.constantFrom('', ' ', '-', '/', '.', ' - '), { minLength: 1, maxLength: 4 }),
        fc.constantFrom('national', '+49', '0049', '+49 (0)'),
        (area, subscriber, seps, prefix) => {
          const e164 = `+49${area}${subscriber}`;
          const body = written(`${area}${subscriber}`, seps);
          const typed =
            prefix === 'national'
              ? `0${body}`
              : prefix === '+49 (0)'
                ? `+49 (0)${body}`
                : `${prefix} ${body}`;
          const readings = numberReadings(typed, 'DE', ['AT']);
          expect(readings.map((r) => r.e164)).toContain(e164);
          // The German reading holds for every call; only a foreign reading is tied to its line.
          expect(readings.find((r) => r.e164 === e164)?.country).toBeNull();
        },
      ),
      { numRuns: 300 },
    );
  });

  test('A national number is also read in each other served country, tied to that country', () => {
    expect(numberReadings('030 555111222', 'DE', ['AT', 'GB'])).toEqual([
      { e164: '+4930555111222', country: null },
      { e164: '+4330555111222', country: 'AT' },
      // Not a number the United Kingdom could have: no British reading.
    ]);
  });

  test('An international number is read once, whatever the default country', () => {
    expect(numberReadings('0043 1 234 5678', 'DE', ['AT'])).toEqual([{ e164: '+4312345678', country: null }]);
    expect(numberReadings('+1 (415) 555-0100', 'DE', [])).toEqual([{ e164: '+14155550100', country: null }]);
  });

  test('Text that is no number is searched as typed and said not to look like one', () => {
    expect(looksLikeNumber('Müller')).toBe(false);
    expect(looksLikeNumber('030 555111222')).toBe(true);
    expect(looksLikeNumber('sip:agent@example.com')).toBe(true);
    expect(numberReadings('sip:Agent@Example.com', 'DE', ['AT'])).toEqual([
      { e164: 'sip:agent@example.com', country: null },
    ]);
  });

  test('A dialled number names its country by its calling code', () => {
    expect(countryOfNumber('+43123456789')).toBe('AT');
    expect(countryOfNumber('+4930123456')).toBe('DE');
    expect(countryOfNumber('sip:line@example.com')).toBeNull();
  });

  test('A foreign reading only matches calls to a number with that country’s calling code', () => {
    const cond = callerCondition(
      (n) => `h(${n})`,
      '030 555111222',
      { defaultCountry: 'DE', others: ['AT'] },
      {
        hash: 'caller_hash',
        called: 'called',
      },
    );
    expect(cond.sql).toBe('(caller_hash = @nh0 OR (caller_hash = @nh1 AND called LIKE @nc1))');
    expect(cond.params).toEqual({ nh0: 'h(+4930555111222)', nh1: 'h(+4330555111222)', nc1: '+43%' });
  });
});
