import type { IncomingMessage, ServerResponse } from 'node:http';
import querystring from 'node:querystring';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { BadRequest, Unservable, type CallService, type Params } from '../calls/call-service';
import { BodyError, readForm, singleValues, type FormParams } from './form-body';
import { validTwilioSignature } from './twilio-signature';

export interface VoiceRouteDeps {
  calls: CallService;
  /** The fail-safe answers of the version that plays (words only when one may be played). */
  failSafe: () => FailSafeAnswers;
  authToken: string;
  publicBaseUrl: string;
  /** PUBLIC_BASE_URL as written, when it differs: the Voice URL in Twilio's console may be that. */
  publicBaseUrlAsGiven?: string | undefined;
  defaultLocale: string;
  log: Logger;
  /** A callback answered 503: Twilio does not send it again, so a sweep must find what it carried. */
  onCallbackLost?: () => void;
}

export interface FailSafeAnswers {
  handover(lng: string): string;
  afterDial(lng: string, answered: boolean): string;
  whisper(): string;
}

/** How a voice route fails safe: the caller's leg to a human, the end of a Dial, or the agent's whisper. */
type FailSafeKind = 'handover' | 'afterDial' | 'whisper';

type Route =
  | {
      kind: 'voice';
      failSafe: FailSafeKind;
      handle: (params: Params, query: Params) => Promise<string> | string;
    }
  | { kind: 'callback'; handle: (params: Params) => Promise<void> };

/**
 * Written directly rather than through res.send: a webhook answer is never cached or revalidated,
 * so the ETag express would hash over every TwiML body buys nothing.
 */
const xml = (res: ServerResponse, body: string): void => {
  res.writeHead(200, {
    'content-type': 'text/xml; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
};

const text = (res: ServerResponse, status: number, body: string): void => {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
};

/** A signed body over the webhook limits: a call's voice webhook still gets its fail-safe TwiML. */
class TooLarge extends Error {
  constructor() {
    super('request body too large');
  }
}

/** `/voice/<route>?<query>` of a request line: the route's name and its query parameters. */
function target(url: string): { name: string; query: Params } {
  const q = url.indexOf('?');
  const pathname = q === -1 ? url : url.slice(0, q);
  // A Voice URL configured with a trailing slash (`/voice/incoming/`) names the same route.
  const name = pathname.slice('/voice/'.length).replace(/\/$/, '');
  return {
    name: name.includes('/') ? '' : name,
    query: q === -1 ? {} : singleValues(querystring.parse(url.slice(q + 1))),
  };
}

/** A POST to /voice/…: the server hands it to the webhook handler without Express (see createService). */
export function isVoiceWebhook(req: IncomingMessage): boolean {
  return req.method === 'POST' && (req.url ?? '').startsWith('/voice/');
}

/**
 * Twilio-facing routes under /voice. Each request is: body → signature → use case → TwiML, in one
 * handler on Node's own request and response: the service's server calls it before Express (whose
 * routing and response path cost a webhook more than its signature check), and Express mounts the
 * same handler for apps built without that server. Nothing is written before the signature
 * holds. A caller is never left with Twilio's "application error": any failure in a voice webhook
 * (an unreadable state or CallSid included) answers TwiML that stops the consent recording and
 * routes to a human; a failing status callback answers 503 so Twilio retries.
 */
export function voiceWebhooks(
  d: VoiceRouteDeps,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const routes = new Map<string, Route>([
    ['incoming', { kind: 'voice', failSafe: 'handover', handle: (p) => d.calls.incoming(p) }],
    ['consent', { kind: 'voice', failSafe: 'handover', handle: (p, q) => d.calls.consentStart(p, q.s) }],
    ['answer', { kind: 'voice', failSafe: 'handover', handle: (p, q) => d.calls.answer(p, q.s) }],
    ['whisper', { kind: 'voice', failSafe: 'whisper', handle: (_p, q) => d.calls.whisper(q) }],
    [
      'dial',
      {
        kind: 'voice',
        failSafe: 'afterDial',
        handle: (p, q) => d.calls.dialResult(p, q.lng ?? d.defaultLocale),
      },
    ],
    ['status', { kind: 'callback', handle: (p) => d.calls.status(p) }],
    ['recording', { kind: 'callback', handle: (p) => d.calls.recording(p) }],
  ]);

  /** The caller's language: from the URL if it still says it, else the ledger, else the default. */
  const localeOf = (params: Params, query: Params): string => {
    if (/^[a-z]{2,3}$/.test(query.lng ?? '')) return query.lng as string;
    // The state is sealed to its call, so its language is the ledger's (CallService.knownLocale).
    return d.calls.knownLocale(params.CallSid) ?? d.defaultLocale;
  };

  const failSafe = async (
    res: ServerResponse,
    kind: FailSafeKind,
    name: string,
    params: Params,
    query: Params,
    problem: string,
  ): Promise<void> => {
    const lng = localeOf(params, query);
    const f = d.failSafe();
    if (kind === 'whisper') return xml(res, f.whisper());
    if (kind === 'afterDial') {
      const status = params.DialCallStatus;
      return xml(res, f.afterDial(lng, status === 'completed' || status === 'answered'));
    }
    await d.calls.noteFailSafe(params.CallSid ?? '', name, problem);
    xml(res, f.handover(lng));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '';
    const { name, query } = target(url);
    const route = routes.get(name);
    if (!route) {
      req.resume();
      text(res, 404, 'not found');
      return;
    }
    const signature = req.headers['x-twilio-signature'];
    if (typeof signature !== 'string' || signature === '') {
      // Unsigned: refused whatever the body holds, without reading it.
      req.resume();
      text(res, 403, 'invalid Twilio signature');
      return;
    }
    let form: FormParams;
    let oversized: boolean;
    try {
      ({ params: form, oversized } = await readForm(req));
    } catch (error) {
      const status = error instanceof BodyError ? error.status : 400;
      text(res, status, error instanceof BodyError ? error.message : 'unreadable request body');
      return;
    }
    const signed =
      validTwilioSignature(d.authToken, signature, `${d.publicBaseUrl}${url}`, form) ||
      (d.publicBaseUrlAsGiven !== undefined &&
        validTwilioSignature(d.authToken, signature, `${d.publicBaseUrlAsGiven}${url}`, form));
    if (!signed) {
      text(res, 403, 'invalid Twilio signature');
      return;
    }
    const params = singleValues(form);
    try {
      if (oversized) throw new TooLarge();
      if (route.kind === 'voice') xml(res, await route.handle(params, query));
      else {
        await route.handle(params);
        res.writeHead(204).end();
      }
    } catch (error) {
      // Twilio never sends a voice webhook without a CallSid: such a request is nobody's call.
      const noCall = !params.CallSid;
      if (error instanceof TooLarge && (route.kind === 'callback' || noCall)) {
        text(res, 413, error.message);
        return;
      }
      if (error instanceof BadRequest && (route.kind === 'callback' || noCall)) {
        text(res, 400, error.message);
        return;
      }
      if (error instanceof Unservable && route.kind === 'callback') {
        // Correctly signed but nothing Twilio could fix by retrying: acknowledged, nothing written.
        d.log.warn({ route: name, callSid: params.CallSid, reason: error.message }, 'callback not served');
        res.writeHead(204).end();
        return;
      }
      d.log.error(
        { err: error, route: name, callSid: params.CallSid },
        route.kind === 'voice'
          ? 'voice webhook failed; stopping the recording and routing the caller to a human'
          : 'callback failed; Twilio will retry',
      );
      if (route.kind === 'voice') {
        const problem =
          error instanceof BadRequest || error instanceof Unservable || error instanceof TooLarge
            ? error.message
            : 'internal error';
        await failSafe(res, route.failSafe, name, params, query, problem);
      } else {
        text(res, 503, 'temporarily unavailable');
        d.onCallbackLost?.();
      }
    }
  };
  return (req, res) =>
    handle(req, res).catch((error: unknown) => {
      // The fail-safe itself failed (it renders from cached templates): never a hanging request.
      d.log.error({ err: error }, 'voice webhook failed without an answer');
      if (!res.headersSent) text(res, 500, 'internal error');
      else res.end();
    });
}

/** Every route name Twilio is sent to under /voice (see voiceWebhooks). */
const VOICE_ROUTES = new Set(['incoming', 'consent', 'answer', 'whisper', 'dial', 'status', 'recording']);

/**
 * The same handler as an Express route, for apps served without createService's server. Twilio is
 * told to POST to every one of them; another method there is answered 405 (Allow: POST) and
 * reads or writes nothing.
 */
export function mountVoiceRoutes(app: Express, handler: ReturnType<typeof voiceWebhooks>): void {
  app.post('/voice/:route', (req, res) => handler(req, res));
  app.all('/voice/:route', (req, res, next) => {
    if (!VOICE_ROUTES.has(String(req.params.route))) return next();
    res.setHeader('Allow', 'POST');
    res.status(405).type('text/plain').send('method not allowed: Twilio POSTs to this URL');
  });
}
