import fc from 'fast-check';
import { typedCode } from '../../src/privacy/typed-code';

/**
 * A caller copies the 6-digit code from an SMS into the /privacy form however their phone lets
 * them: grouped, with a dash, in another script's digits, with spaces around it, or as the whole
 * message. Each reads as the code; formatting is never what makes a code wrong.
 */
const ZEROS = [0x30, 0x660, 0x6f0, 0xff10];
const SEPARATORS = [' ', '-', '\u2013', '\u2011', '.', ' - ', '\u00a0', '\u2009', '/', '_', ', '];
const SPACE = fc.constantFrom('', ' ', '  ', '\t', '\u00a0', '\n');

describe('a code as callers type it', () => {
  test('any grouping, separators, digit script and surrounding space read as the code itself', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^\d{6}$/),
        fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
        fc.constantFrom(...SEPARATORS),
        fc.constantFrom(...ZEROS),
        SPACE,
        SPACE,
        (code, cuts, separator, zero, before, after) => {
          const digits = [...code].map((d) => String.fromCodePoint(zero + Number(d)));
          const grouped = digits.map((d, i) => (i > 0 && cuts[i - 1] ? separator + d : d)).join('');
          expect(typedCode(`${before}${grouped}${after}`)).toBe(code);
        },
      ),
    );
  });

  test('the whole SMS pasted in reads as the code it carries', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{6}$/), (code) => {
        expect(
          typedCode(
            `${code} ist Ihr Code für die Datenschutzseite von Beispiel GmbH. Er gilt 10 Minuten. Falls Sie ihn nicht angefordert haben, ignorieren Sie diese Nachricht.`,
          ),
        ).toBe(code);
        expect(typedCode(`Code: ${code}`)).toBe(code);
      }),
    );
  });

  test('other digits never read as a 6-digit code', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{0,5}$|^\d{7,9}$/), (digits) => {
        expect(typedCode(digits)).not.toMatch(/^\d{6}$/);
      }),
    );
  });
});
