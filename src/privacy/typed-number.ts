import type { Config } from '../config';
import type { Ledger } from '../ledger';
import { internationalReading, numberReadings, servedCountries } from '../audit/number-query';

/**
 * The E.164 number a caller meant on the privacy form. Callers type their number as they know
 * it ("0151 1234567", "+49 (0)151 …", "0049 …"), while the ledger knows it as the E.164 number
 * Twilio sent. A national number is read in the default country, then in each country the
 * operator serves; the first reading that has consents wins, else the first reading. The code
 * goes only by SMS to that number, so a reading of someone else's number tells the typist nothing.
 * Last comes the digits' international reading ("31 6 12345678" from a Dutch caller, which also
 * parses as a national number of a served country without a trunk prefix, such as Luxembourg):
 * taken only when no national reading has consents and it has, so it decides nothing the
 * national form would have.
 */
export function typedNumber(ledger: Ledger, config: Config, typed: string): string {
  const countries = servedCountries(config.portal.defaultCountry, config.operator);
  const readings = numberReadings(typed, countries.defaultCountry, countries.others).map((r) => r.e164);
  const hasConsents = (e164: string): boolean =>
    ledger.sql('SELECT 1 FROM consents WHERE caller_hash = ? LIMIT 1').get(ledger.callerHash(e164)) !==
    undefined;
  const international = internationalReading(typed);
  const candidates =
    international && !readings.includes(international) ? [...readings, international] : readings;
  return (candidates.length > 1 ? candidates.find(hasConsents) : undefined) ?? readings[0] ?? typed;
}
