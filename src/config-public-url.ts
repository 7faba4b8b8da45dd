/**
 * PUBLIC_BASE_URL as the service will use it (no trailing slash), and what is wrong with it.
 * Every TwiML URL is this plus a path, so a query, fragment or login in it would break each one.
 */
export function publicBaseUrl(
  raw: string,
  port: number,
  production: boolean,
): { url: string; problem: string | null } {
  const url = (raw || `http://localhost:${port}`).replace(/\/+$/, '');
  let problem: string | null = null;
  if (!/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(url)) problem = 'PUBLIC_BASE_URL: must be an http(s) URL';
  else if (!URL.canParse(url) || /[?#@]/.test(url))
    problem = 'PUBLIC_BASE_URL: must be scheme, host and path only (no ?query, #fragment or user@)';
  else if (production && !url.startsWith('https://'))
    problem = 'PUBLIC_BASE_URL: must be https:// in production';
  return { url, problem };
}
