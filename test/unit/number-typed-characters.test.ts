import fc from 'fast-check';
import { looksLikeNumber, numberReadings } from '../../src/audit/number-query';
import { plainNumberText } from '../../src/audit/typed-characters';

/**
 * What phones paste and keyboards type around a number (bidi marks, zero-width spaces, fullwidth
 * or other-script digits, Unicode dashes, a `tel:` prefix) reads as the same number.
 */
/** The digit sets libphonenumber reads (as Google's library does): ASCII, Arabic-Indic, Persian, fullwidth. */
const ZEROS = [0x30, 0x660, 0x6f0, 0xff10];
const INVISIBLE = ['\u202D', '\u202C', '\u200E', '\u200B', '\u2066', '\u2069', '\uFEFF'];
const DASHES = ['-', '\u2010', '\u2011', '\u2013', '\u2014', '\u2212'];

describe('numbers as phones paste them', () => {
  test('every decoration of a number reads as the number written plainly', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          '0151 1234 5678',
          '+49 30 1234567',
          '0049 89 123456',
          '4915112345678',
          '+43 664 1234567',
        ),
        fc.constantFrom(...ZEROS),
        fc.array(fc.constantFrom(...INVISIBLE), { maxLength: 3 }),
        fc.constantFrom(...DASHES),
        fc.boolean(),
        (plain, zero, marks, dash, tel) => {
          const digits = plain.replace(/\d/g, (d) => String.fromCodePoint(zero + Number(d)));
          const dashed = digits.replace(/ /g, dash);
          const marked = marks.reduce((s, m, i) => {
            const at = (i * 5) % (s.length + 1);
            return `${s.slice(0, at)}${m}${s.slice(at)}`;
          }, dashed);
          const typed = `${tel ? 'tel:' : ''}${marked}`;
          expect(looksLikeNumber(typed)).toBe(true);
          expect(numberReadings(typed, 'DE', ['AT'])).toEqual(numberReadings(plain, 'DE', ['AT']));
        },
      ),
      { numRuns: 400 },
    );
  });

  test('letters stay letters: a name is not turned into a number', () => {
    expect(looksLikeNumber('Müller')).toBe(false);
    expect(plainNumberText('Ｍüller')).toBe('Müller');
    expect(looksLikeNumber('tel:')).toBe(false);
  });
});
