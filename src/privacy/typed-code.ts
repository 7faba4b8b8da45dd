import { plainNumberText } from '../audit/typed-characters';

/** More than a pasted SMS holds: anything longer is cut before it is read. */
const MOST_TYPED = 400;

/**
 * The 6-digit code in what a caller typed or pasted, however they wrote it: in groups ("123 456",
 * "123-456", "123.456", "123 – 456"), in their keyboard's digits (fullwidth, Arabic-Indic), with
 * spaces around it, or as the whole SMS pasted in ("123456 ist Ihr Code … gilt 10 Minuten").
 * The form only asks for the field to be filled in; formatting is never a reason to refuse a code.
 * Returns the digits to check (not necessarily 6 of them: a wrong code then counts as wrong).
 */
export function typedCode(typed: string): string {
  const text = plainNumberText(typed.slice(0, MOST_TYPED));
  const digits = text.replace(/\D/g, '');
  if (digits.length === 6) return digits;
  // A whole message pasted in holds other numbers too: the code is its one run of 6 digits.
  const runs = text.match(/(?<!\d)\d{6}(?!\d)/g) ?? [];
  return runs.length === 1 && runs[0] ? runs[0] : digits;
}
