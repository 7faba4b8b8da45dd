import type { OperatorConfig } from '../config';

/** Country calling codes for the countries the shipped locales cover; FromCountry wins when Twilio sends it. */
const PREFIX_COUNTRY: Array<[string, string]> = [
  ['+49', 'DE'],
  ['+43', 'AT'],
  ['+41', 'CH'],
  ['+423', 'LI'],
  ['+44', 'GB'],
  ['+353', 'IE'],
  ['+1', 'US'],
  ['+90', 'TR'],
  ['+33', 'FR'],
  ['+32', 'BE'],
  ['+352', 'LU'],
];

export function countryOf(fromCountry: string | undefined, from: string | undefined): string | null {
  if (fromCountry && /^[A-Za-z]{2}$/.test(fromCountry)) return fromCountry.toUpperCase();
  if (!from?.startsWith('+')) return null;
  const match = PREFIX_COUNTRY.filter(([prefix]) => from.startsWith(prefix)).sort(
    (a, b) => b[0].length - a[0].length,
  )[0];
  return match ? match[1] : null;
}

/** The called number's configuration first, then the caller's country, then the default. */
export function chooseLocale(
  p: { called?: string; country: string | null },
  operator: OperatorConfig,
  available: (lng: string) => boolean,
  fallback: string,
): string {
  const byNumber = p.called ? operator.numbers[p.called]?.locale : undefined;
  if (byNumber && available(byNumber)) return byNumber;
  const byCountry = p.country ? operator.countryLocales[p.country] : undefined;
  if (byCountry && available(byCountry)) return byCountry;
  return fallback;
}

export function ageOfConsent(country: string | null, operator: OperatorConfig): number {
  return (country ? operator.ageOfConsent[country] : undefined) ?? operator.ageOfConsent.default ?? 16;
}
