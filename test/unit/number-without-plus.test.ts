import fc from 'fast-check';
import { getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import examples from 'libphonenumber-js/examples.mobile.json';
import { numberReadings } from '../../src/audit/number-query';

/**
 * A number typed with its country code but without `+` or `00` ("49 151 …") is read as the
 * international number people mean, while a national number ("0151 …", Spain's "612 34 56 78")
 * stays national. The numbers are libphonenumber's own examples with their last digits varied.
 */
const COUNTRIES: CountryCode[] = [
  'DE',
  'AT',
  'CH',
  'GB',
  'FR',
  'NL',
  'BE',
  'IT',
  'ES',
  'PT',
  'PL',
  'SE',
  'DK',
  'NO',
  'TR',
  'US',
  'AU',
  'IN',
  'BR',
  'JP',
];
/** Countries whose national numbers start with the trunk prefix 0 (no country code does). */
const TRUNK_ZERO: CountryCode[] = ['DE', 'AT', 'CH', 'GB', 'FR', 'NL', 'TR'];

/** Digits with the separators people put between them. */
const written = (digits: string, seps: string[]): string =>
  digits
    .split('')
    .map((d, i) => `${d}${i < digits.length - 1 ? (seps[i % seps.length] ?? '') : ''}`)
    .join('');

const separators = fc.array(fc.constantFrom('', '', ' ', '-', '/', '.'), { minLength: 1, maxLength: 5 });

/** A valid E.164 number of the country: its example number with up to its last 3 digits changed. */
const numberOf = (country: CountryCode) =>
  fc.stringMatching(/^[0-9]{3}$/).map((tail) => {
    const national = (examples as Record<string, string>)[country]!;
    return `+${getCountryCallingCode(country)}${national.slice(0, -3)}${tail}`;
  });

const valid = (e164: string): boolean => parsePhoneNumberFromString(e164)?.isValid() === true;

describe('numbers typed with the country code but without + or 00', () => {
  test('are read first as the international number they spell, whichever country the form assumes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...COUNTRIES).chain((c) => numberOf(c)),
        fc.constantFrom(...TRUNK_ZERO),
        separators,
        (e164, assumed, seps) => {
          fc.pre(valid(e164));
          const typed = written(e164.slice(1), seps);
          expect(numberReadings(typed, assumed, ['AT'])[0]).toEqual({ e164, country: null });
        },
      ),
      { numRuns: 500 },
    );
  });

  test('a national number as its country writes it is never taken for a foreign one', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...COUNTRIES).chain((c) => fc.tuple(fc.constant(c), numberOf(c))),
        separators,
        ([country, e164], seps) => {
          fc.pre(valid(e164));
          const national = parsePhoneNumberFromString(e164)!.formatNational().replace(/\D/g, '');
          const readings = numberReadings(written(national, seps), country, []);
          expect(readings).toEqual([{ e164, country: null }]);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('the forms a German caller types all name their mobile number', () => {
    for (const typed of ['4915112345678', '49 151 12345678', '49-151-1234-5678', '(49) 151 12345678'])
      expect(numberReadings(typed, 'DE', ['AT'])[0]?.e164).toBe('+4915112345678');
    expect(numberReadings('0151 12345678', 'DE', ['AT']).map((r) => r.e164)).not.toContain('+15112345678');
    // Spain writes its numbers without a trunk prefix: 612… is Spanish, not Australian (+61).
    expect(numberReadings('612 34 56 78', 'ES', []).map((r) => r.e164)).toEqual(['+34612345678']);
  });
});
