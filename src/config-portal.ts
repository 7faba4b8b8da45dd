import { getCountries, type CountryCode } from 'libphonenumber-js';

/** How the auditor portal shows times and reads the numbers auditors type. */
export interface PortalSettings {
  /** IANA time zone every portal time is shown in (UTC stays on hover and in exports). */
  timeZone: string;
  /** Country a number typed in national format (030 …) is read in, besides the called numbers' own. */
  defaultCountry: CountryCode;
}

const COUNTRIES = new Set<string>(getCountries());

export function isCountryCode(value: string): value is CountryCode {
  return COUNTRIES.has(value);
}

/** Reads PORTAL_TIME_ZONE and PORTAL_DEFAULT_COUNTRY, adding one clear problem per bad value. */
export function portalSettings(timeZone: string, country: string, problems: string[]): PortalSettings {
  const zone = timeZone || 'Europe/Berlin';
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    problems.push(`PORTAL_TIME_ZONE: "${zone}" is not an IANA time zone (like Europe/Berlin or UTC)`);
  }
  const code = (country || 'DE').toUpperCase();
  if (!isCountryCode(code))
    problems.push(`PORTAL_DEFAULT_COUNTRY: "${country}" is not a two-letter country code (like DE or AT)`);
  return { timeZone: zone, defaultCountry: isCountryCode(code) ? code : 'DE' };
}
