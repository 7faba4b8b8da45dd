import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

/**
 * The JSON API lives under /audit/api. An API client never gets a login page or a redirect to one:
 * every answer there, errors included, is JSON `{ "error": "<a sentence saying what to do>" }`.
 */
export const isApiPath = (path: string): boolean => path === '/api' || path.startsWith('/api/');

export interface ApiError {
  error: string;
}

/** 401 for a missing, unknown, expired or revoked token (RFC 6750 names the scheme in the header). */
export function unauthorized(res: Response, message = 'a valid bearer token is required'): void {
  res.setHeader('WWW-Authenticate', 'Bearer realm="consent-audit"');
  res.status(401).json({ error: message } satisfies ApiError);
}

/** Parser errors (bad JSON, a body over the limit) carry their 4xx status; anything else is ours. */
function statusOf(error: unknown): number {
  const status =
    error && typeof error === 'object' && 'status' in error && typeof error.status === 'number'
      ? error.status
      : 500;
  return status >= 400 && status < 500 ? status : 500;
}

const CLIENT_MESSAGES: Record<number, string> = {
  400: 'the request body is not valid JSON or form data',
  413: 'the request body is too large',
  415: 'the request body has an unsupported content type',
};

/** The portal's last error handler: JSON under /api, plain text elsewhere; a 500 is logged. */
export function auditErrorHandler(log: Logger) {
  return (error: Error, req: Request, res: Response, _next: NextFunction): void => {
    const status = statusOf(error);
    if (status === 500) log.error({ err: error, path: req.path }, 'audit portal error');
    if (res.headersSent) return void res.end();
    const message = status === 500 ? 'internal error' : (CLIENT_MESSAGES[status] ?? 'bad request');
    if (isApiPath(req.path)) res.status(status).json({ error: message } satisfies ApiError);
    else res.status(status).type('text/plain').send(message);
  };
}
