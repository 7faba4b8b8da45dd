/**
 * Requests to the app as Twilio makes them: a POST carries its parameters as a form, a GET in the
 * query string (and is then signed over the URL alone), with Twilio's headers and a signature.
 */
import { randomBytes } from 'node:crypto';
import { twilioSignature } from './signing';
import type { HttpResult } from './types';

const WEBHOOK_TIMEOUT_MS = 15_000;

export interface SignatureFault {
  badSignature?: boolean;
  noSignature?: boolean;
}

/** The app's answer, with the method and URL the request really went to. */
export interface SentWebhook extends HttpResult {
  method: 'GET' | 'POST';
  url: string;
}

/** Sends one webhook; a network error or timeout is answered as status 0 (Twilio's "no response"). */
export async function sendWebhook(
  authToken: string,
  method: string,
  url: string,
  params: Record<string, string>,
  opts: SignatureFault = {},
): Promise<SentWebhook> {
  const isGet = method.toUpperCase() === 'GET';
  let target = url;
  if (isGet) {
    const u = new URL(url);
    for (const [k, v] of Object.entries(params)) u.searchParams.append(k, v);
    target = u.toString();
  }
  const signedParams = isGet ? {} : params;
  const headers: Record<string, string> = {
    'User-Agent': 'TwilioProxy/1.1',
    Accept: '*/*',
    'I-Twilio-Idempotency-Token': randomBytes(16).toString('hex'),
  };
  if (!opts.noSignature) {
    const token = opts.badSignature ? `${authToken}x` : authToken;
    headers['X-Twilio-Signature'] = twilioSignature(token, target, signedParams);
  }
  let result: HttpResult;
  try {
    const res = await fetch(target, {
      method: isGet ? 'GET' : 'POST',
      headers: isGet ? headers : { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: isGet ? undefined : new URLSearchParams(params).toString(),
      redirect: 'manual',
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    result = {
      status: res.status,
      body: await res.text(),
      contentType: res.headers.get('content-type') ?? '',
    };
  } catch (e) {
    result = { status: 0, body: String(e), contentType: '' };
  }
  return { method: isGet ? 'GET' : 'POST', url: target, ...result };
}
