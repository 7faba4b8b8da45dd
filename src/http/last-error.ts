import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

/**
 * The app's last error handler: a short plain-text answer with the error's own 4xx status (a body
 * too large, one that does not parse), else 500, and never Express's default page, which shows
 * the stack trace (file paths, library versions) to whoever sent the request. A 500 is logged.
 */
export function lastErrorHandler(log: Logger) {
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(error);
    const status = httpStatusOf(error);
    if (status === 500) log.error({ err: error, path: req.path }, 'request failed');
    res
      .status(status)
      .type('text/plain')
      .send(status === 413 ? 'request body too large' : status === 500 ? 'internal error' : 'bad request');
  };
}

/** A body parser's error carries its 4xx status; anything else is ours (500). */
export function httpStatusOf(error: unknown): number {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
}
