import type { IncomingMessage } from 'node:http';

/**
 * The path of PUBLIC_BASE_URL (`/ivr` of `https://example.com/ivr`), or '' when it has none.
 * Twilio calls the TwiML URLs under it; a proxy in front may pass that prefix on or strip it.
 */
export function basePathOf(publicBaseUrl: string): string {
  return new URL(publicBaseUrl).pathname.replace(/\/+$/, '');
}

/**
 * Serves a request that still carries the base path as if the proxy had stripped it, so both
 * deployments route alike and a webhook's signature is checked against the URL Twilio signed
 * (PUBLIC_BASE_URL + the rest). A request without the prefix is left as it is.
 */
export function stripBasePath(req: IncomingMessage, basePath: string): void {
  const url = req.url ?? '';
  if (!basePath || !url.startsWith(basePath)) return;
  const rest = url.slice(basePath.length);
  if (rest === '') req.url = '/';
  else if (rest.startsWith('/') || rest.startsWith('?')) req.url = rest.startsWith('?') ? `/${rest}` : rest;
}
