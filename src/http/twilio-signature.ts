import type { NextFunction, Request, Response } from 'express';
import twilio from 'twilio';

/**
 * Rejects any request whose X-Twilio-Signature does not match the URL Twilio was given (the public
 * base URL plus the path and query) and the POST parameters. Runs before anything is written.
 */
export function requireTwilioSignature(authToken: string, publicBaseUrl: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const signature = req.header('X-Twilio-Signature');
    const url = `${publicBaseUrl}${req.originalUrl}`;
    const params = (
      req.method === 'POST' && req.body && typeof req.body === 'object' ? req.body : {}
    ) as Record<string, string>;
    if (!signature || !twilio.validateRequest(authToken, signature, url, params)) {
      res.status(403).type('text/plain').send('invalid Twilio signature');
      return;
    }
    next();
  };
}
