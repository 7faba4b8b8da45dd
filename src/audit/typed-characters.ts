import { parseDigits } from 'libphonenumber-js';

/**
 * A phone number in the characters the number readers expect, from what people paste and type:
 * a number copied from a contacts app arrives wrapped in bidi marks (U+202D … U+202C), phone
 * keyboards give fullwidth or Arabic-Indic digits and non-breaking hyphens, and a copied link
 * starts with `tel:`. None of that changes the number the person means.
 */
export function plainNumberText(typed: string): string {
  return (
    typed
      // Fullwidth digits, plus and brackets become their ASCII forms.
      .normalize('NFKC')
      // Invisible format characters: bidi marks, zero-width spaces and joiners.
      .replace(/\p{Cf}/gu, '')
      .replace(/^\s*tel:/i, '')
      // Dashes and the minus sign between digit groups.
      .replace(/[\p{Pd}\u2212]/gu, '-')
      // Arabic-Indic and Persian digits as 0-9 (the digit sets libphonenumber reads).
      .replace(/\p{Nd}/gu, (d) => parseDigits(d) || d)
  );
}
