/**
 * PUBLIC_BASE_URL as the service will use it (no trailing slash), and what is wrong with it.
 * Every TwiML URL is this plus a path, so a query, fragment or login in it would break each one.
 * Scheme and host are case-insensitive (RFC 3986 6.2.2.1): `HTTPS://Example.COM` is taken and
 * written as `https://example.com`, so that what the service puts into TwiML (and Twilio then
 * signs), its cookies' Secure flag and its checkpoint origin agree; the path keeps its case.
 * `asGiven` is the URL as written when that differs: the phone number's Voice URL in Twilio's
 * console may have been copied from it, and Twilio signs the URL it was configured with.
 */
export function publicBaseUrl(
  raw: string,
  port: number,
  production: boolean,
): { url: string; asGiven?: string; problem: string | null } {
  const given = (raw || `http://localhost:${port}`).replace(/\/+$/, '');
  let problem: string | null = null;
  if (!/^https?:\/\/[^\s/]+(\/[^\s]*)?$/i.test(given)) problem = 'PUBLIC_BASE_URL: must be an http(s) URL';
  else if (!URL.canParse(given) || /[?#@]/.test(given))
    problem = 'PUBLIC_BASE_URL: must be scheme, host and path only (no ?query, #fragment or user@)';
  if (problem) return { url: given, problem };
  const parsed = new URL(given);
  // The path as written: URL would re-escape it, and Twilio signs the characters it was given.
  const path = /^[^:]+:\/\/[^/]+(.*)$/.exec(given)?.[1] ?? '';
  const url = `${parsed.protocol}//${parsed.host}${path}`;
  if (production && parsed.protocol !== 'https:') problem = 'PUBLIC_BASE_URL: must be https:// in production';
  return url === given ? { url, problem } : { url, asGiven: given, problem };
}
