import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { BadRequest, type CallService, type Params } from '../calls/call-service';
import type { TwimlRenderer } from '../twiml/render';
import { requireTwilioSignature } from './twilio-signature';

export interface VoiceRouterDeps {
  calls: CallService;
  renderer: TwimlRenderer;
  authToken: string;
  publicBaseUrl: string;
  defaultLocale: string;
  log: Logger;
}

const xml = (res: Response, body: string): void => {
  res.status(200).type('text/xml').send(body);
};

function flatten(source: unknown): Params {
  const out: Params = {};
  if (source && typeof source === 'object') {
    for (const [k, v] of Object.entries(source as Record<string, unknown>))
      if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/**
 * Twilio-facing routes. Each handler is: signature (middleware) → use case → TwiML. A caller is never
 * left with Twilio's "application error": any failure answers TwiML that routes to a human.
 */
export function createVoiceRouter(d: VoiceRouterDeps): Router {
  const router = express.Router();
  router.use(express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 200 }));
  router.use(requireTwilioSignature(d.authToken, d.publicBaseUrl));

  const voice =
    (name: string, handle: (params: Params, query: Params) => Promise<string> | string) =>
    async (req: Request, res: Response): Promise<void> => {
      const params = flatten(req.body);
      const query = flatten(req.query);
      try {
        xml(res, await handle(params, query));
      } catch (error) {
        if (error instanceof BadRequest) {
          res.status(400).type('text/plain').send(error.message);
          return;
        }
        d.log.error(
          { err: error, route: name, callSid: params.CallSid },
          'voice webhook failed; routing the caller to a human',
        );
        const lng = /^[a-z]{2,3}$/.test(query.lng ?? '') ? (query.lng as string) : d.defaultLocale;
        xml(res, d.renderer.failSafe(lng));
      }
    };

  const callback =
    (name: string, handle: (params: Params) => Promise<void>) =>
    async (req: Request, res: Response): Promise<void> => {
      const params = flatten(req.body);
      try {
        await handle(params);
        res.status(204).end();
      } catch (error) {
        if (error instanceof BadRequest) {
          res.status(400).type('text/plain').send(error.message);
          return;
        }
        // A 5xx makes Twilio retry the callback later, which is what we want while the ledger is down.
        d.log.error(
          { err: error, route: name, callSid: params.CallSid },
          'callback failed; Twilio will retry',
        );
        res.status(503).type('text/plain').send('temporarily unavailable');
      }
    };

  router.post(
    '/incoming',
    voice('incoming', (p) => d.calls.incoming(p)),
  );
  router.post(
    '/consent',
    voice('consent', (p, q) => d.calls.consentStart(p, q.s)),
  );
  router.post(
    '/answer',
    voice('answer', (p, q) => d.calls.answer(p, q.s)),
  );
  router.post(
    '/whisper',
    voice('whisper', (_p, q) => d.calls.whisper(q)),
  );
  router.post(
    '/dial',
    voice('dial', (p, q) => d.calls.dialResult(p, q.lng ?? d.defaultLocale)),
  );
  router.post(
    '/status',
    callback('status', (p) => d.calls.status(p)),
  );
  router.post(
    '/recording',
    callback('recording', (p) => d.calls.recording(p)),
  );
  return router;
}
