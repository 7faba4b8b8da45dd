import {
  getCountryCallingCode,
  getExampleNumber,
  parsePhoneNumberFromString,
  type CountryCode,
} from 'libphonenumber-js';
import examples from 'libphonenumber-js/examples.mobile.json';
import { isCountryCode } from '../config-portal';
import { normalizeNumber } from '../ledger/identifiers';
import { plainNumberText } from './typed-characters';

/**
 * A number as an auditor types it ("030 555111222", "+49 30 555-111-222", "0049 30 …"), read the
 * way the ledger wrote it: the caller hash is an HMAC of the E.164 number Twilio sent, so the query
 * must become that same E.164 string.
 *
 * A national number has no country of its own: it is read in the portal's default country (for
 * every call) and in the country of each number callers dialled (only for calls to that number),
 * so "030 …" finds a Berlin caller of the German line and, on an Austrian line, the Austrian one.
 */
export interface NumberReading {
  e164: string;
  /** Country this reading assumed; null: it holds for every call (international form, or the default country). */
  country: CountryCode | null;
}

/** Spaces, dashes, dots, brackets and a `00` international prefix, as people write numbers. */
function compact(typed: string): string {
  const digits = typed.replace(/[^\d+]/g, '');
  return digits.startsWith('00') ? `+${digits.slice(2)}` : digits;
}

/**
 * The trunk prefix a country writes before its national numbers ("0" in Germany, "8" in Russia,
 * "" in Spain or the US), read off the library's example number: its national form minus its
 * national number.
 */
const trunkPrefixes = new Map<CountryCode, string>();
function trunkPrefix(country: CountryCode): string {
  let prefix = trunkPrefixes.get(country);
  if (prefix === undefined) {
    const example = getExampleNumber(country, examples);
    const national = example?.formatNational().replace(/\D/g, '') ?? '';
    prefix =
      example && national.endsWith(example.nationalNumber)
        ? national.slice(0, -example.nationalNumber.length)
        : '';
    trunkPrefixes.set(country, prefix);
  }
  return prefix;
}

/**
 * Digits typed with their country code but without `+` or `00` ("49 151 …"), read as the
 * international number they spell. Only when they are no national number as it is written in any
 * of the countries (a valid number there, with its trunk prefix if it has one): there the national
 * form wins ("612 34 56 78" is Spanish, not Australian), and as no country code starts with 0,
 * "0151 …" is never read abroad. What remains is a number written with its country code.
 */
function withoutPlus(digits: string, countries: readonly CountryCode[]): string | null {
  const international = parsePhoneNumberFromString(`+${digits}`);
  if (!international?.isValid()) return null;
  const writtenNationally = countries.some(
    (country) =>
      parsePhoneNumberFromString(digits, country)?.isValid() && digits.startsWith(trunkPrefix(country)),
  );
  return writtenNationally ? null : international.number;
}

export function numberReadings(
  typed: string,
  defaultCountry: CountryCode,
  calledCountries: readonly CountryCode[],
): NumberReading[] {
  const trimmed = plainNumberText(typed).trim();
  if (/^(sip:|client:)/i.test(trimmed)) return [{ e164: normalizeNumber(trimmed), country: null }];
  const digits = compact(trimmed);
  if (digits.startsWith('+')) {
    const parsed = parsePhoneNumberFromString(digits);
    return [{ e164: parsed?.number ?? digits, country: null }];
  }
  const readings: NumberReading[] = [];
  const seen = new Set<string>();
  const international = withoutPlus(digits, [defaultCountry, ...calledCountries]);
  if (international) {
    seen.add(international);
    readings.push({ e164: international, country: null });
  }
  for (const country of [defaultCountry, ...calledCountries]) {
    const parsed = parsePhoneNumberFromString(digits, country);
    if (!parsed?.isPossible() || seen.has(parsed.number)) continue;
    seen.add(parsed.number);
    readings.push({ e164: parsed.number, country: country === defaultCountry ? null : country });
  }
  // Not a number any of these countries writes: searched exactly as typed (it finds nothing, honestly).
  return readings.length > 0 ? readings : [{ e164: normalizeNumber(trimmed), country: null }];
}

/**
 * The digits read as an international number however they were written ("31 6 …" as +31 6 …),
 * when that is a possible number; numberReadings gives this up where a served country's national
 * form may be meant, which a search must respect, but a caller looking for their own consents may
 * try it last (see typedNumber).
 */
export function internationalReading(typed: string): string | null {
  const digits = compact(plainNumberText(typed).trim()).replace(/^\+/, '');
  const parsed = /^\d+$/.test(digits) ? parsePhoneNumberFromString(`+${digits}`) : undefined;
  return parsed?.isPossible() ? parsed.number : null;
}

/** The country of a dialled number (E.164), or null when it names none (a sip: URI, a short code). */
export function countryOfNumber(number: string): CountryCode | null {
  const country = parsePhoneNumberFromString(compact(number))?.country;
  return country && isCountryCode(country) ? country : null;
}

/** Whether what was typed can be a phone number at all (digits, or a sip:/client: address). */
export function looksLikeNumber(typed: string): boolean {
  const t = plainNumberText(typed).trim();
  return /^(sip:|client:)/i.test(t) || (/^[\d\s+()./-]+$/.test(t) && /\d{3,}/.test(t.replace(/\D/g, '')));
}

/**
 * The SQL condition that finds a typed number among rows with a caller hash, and its parameters.
 * `hashColumn` and `calledColumn` name the row's caller hash and the number the call dialled.
 * A reading that assumed a country only matches calls to that country's numbers (by its calling
 * code), so a national number never finds a stranger abroad. Plain SQL: both engines run it.
 */
export function callerCondition(
  hash: (e164: string) => string,
  typed: string,
  countries: { defaultCountry: CountryCode; others: readonly CountryCode[] },
  columns: { hash: string; called: string },
): { sql: string; params: Record<string, string> } {
  const readings = numberReadings(typed, countries.defaultCountry, countries.others);
  const params: Record<string, string> = {};
  const parts = readings.map((r, i) => {
    params[`nh${i}`] = hash(r.e164);
    if (!r.country) return `${columns.hash} = @nh${i}`;
    params[`nc${i}`] = `+${getCountryCallingCode(r.country)}%`;
    return `(${columns.hash} = @nh${i} AND ${columns.called} LIKE @nc${i})`;
  });
  return { sql: `(${parts.join(' OR ')})`, params };
}

/** The countries a national number may be meant in: the default, then those the operator serves. */
export function servedCountries(
  defaultCountry: CountryCode,
  operator: { numbers: Record<string, unknown>; countryLocales: Record<string, string> },
): { defaultCountry: CountryCode; others: CountryCode[] } {
  const others = new Set<CountryCode>();
  for (const n of Object.keys(operator.numbers)) {
    const c = countryOfNumber(n);
    if (c) others.add(c);
  }
  for (const c of Object.keys(operator.countryLocales)) if (isCountryCode(c)) others.add(c);
  others.delete(defaultCountry);
  return { defaultCountry, others: [...others].sort() };
}
