/**
 * The CRM secret is the Standard Webhooks form: `whsec_` and the base64 of the HMAC key, which must
 * be at least 24 bytes (the spec's minimum). A URL without a secret would send unsigned events.
 */
export function crmConfig(
  url: string,
  secret: string,
  production: boolean,
  problems: string[],
): { url: string; secret: string } | null {
  if (!url) {
    if (secret) problems.push('CRM_WEBHOOK_SECRET: set, but CRM_WEBHOOK_URL is not');
    return null;
  }
  let ok = true;
  if (!/^https?:\/\/\S+$/.test(url) || (production && !url.startsWith('https://'))) {
    problems.push(`CRM_WEBHOOK_URL: must be an ${production ? 'https' : 'http(s)'} URL`);
    ok = false;
  }
  const m = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  const bytes = m?.[1] ? Buffer.from(m[1], 'base64') : Buffer.alloc(0);
  if (!m || bytes.length < 24 || bytes.toString('base64').replace(/=+$/, '') !== m[1]?.replace(/=+$/, '')) {
    problems.push(
      'CRM_WEBHOOK_SECRET: required with CRM_WEBHOOK_URL: whsec_ + base64 of at least 24 random bytes',
    );
    ok = false;
  }
  return ok ? { url, secret } : null;
}
