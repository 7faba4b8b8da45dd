import express, { type NextFunction, type Request, type Response } from 'express';
import multer from 'multer';
import { RateLimiter } from '../../privacy/rate-limit';
import { loadKeys, pemFileName, type LoadedKey } from '../../audit/trusted-keys';
import {
  MAX_UPLOAD_BYTES,
  verifyUpload,
  type UploadRefusal,
  type VerifyReport,
} from '../../audit/verify-upload';
import { verifyPage, verifyTitle } from '../../audit/verify-views';
import type { LogView } from '../../audit/evidence-check';
import { formatPublicKeys } from '../../crypto/signing-keys';
import type { PortalKit } from './kit';

/** Checking costs an unzip and a few signatures; a client gets this many a minute. */
const CHECKS_PER_MINUTE = 20;

/**
 * The public verify page (no sign-in): anyone drops an evidence ZIP or a deletion certificate and
 * reads each check; the operator's public keys are offered as PEM files. Works without script: a
 * plain multipart form. API clients may POST the file as the raw body (`application/zip`,
 * `application/json`) and ask for JSON with `Accept: application/json`. Mounted before the
 * portal's body parsers and its sign-in, so nothing here touches a session.
 */
export function mountVerifyRoutes(kit: PortalKit): void {
  const { router, ledger, now } = kit;
  // In the ledger, not in memory: behind a load balancer every instance counts the same client.
  const limiter = new RateLimiter(ledger, () => now().getTime());
  const keys = (): LoadedKey[] => loadKeys(ledger.signingKeys.publicKeys());
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 4, parts: 6, fieldSize: 1024 },
  }).single('file');
  const raw = express.raw({
    type: ['application/zip', 'application/json', 'application/octet-stream'],
    limit: MAX_UPLOAD_BYTES,
  });

  const logView = (): LogView | undefined => {
    const checkpoints = kit.deps.checkpoints;
    if (!checkpoints) return undefined;
    const epochs = Array.from({ length: checkpoints.epoch() }, (_, i) => checkpoints.origin(i + 1));
    return { origins: epochs, size: ledger.merkle.size(), rootAt: (n) => ledger.merkle.root(n) };
  };

  const answer = (
    req: Request,
    res: Response,
    status: number,
    result: VerifyReport | UploadRefusal | null,
  ): void => {
    const c = kit.ctx(res);
    if (req.accepts(['html', 'json']) === 'json') {
      res.status(status).json(result?.kind === 'refused' ? { error: result.message } : result);
      return;
    }
    kit.page(res, c, status, verifyTitle(c.lang), verifyPage(c.lang, keys(), MAX_UPLOAD_BYTES, result));
  };

  router.get('/verify', (req, res) => answer(req, res, 200, null));

  router.get('/verify/keys.pem', (_req, res) => {
    res
      .type('application/x-pem-file')
      .setHeader('Content-Disposition', 'attachment; filename="keys.pem"')
      .send(formatPublicKeys(ledger.signingKeys.publicKeys()));
  });

  router.get('/verify/keys/:file', (req, res) => {
    const key = keys().find((k) => pemFileName(k.keyId) === req.params.file);
    if (!key) return kit.fail(res, 404, 'notFound');
    res
      .type('application/x-pem-file')
      .setHeader('Content-Disposition', `attachment; filename="${pemFileName(key.keyId)}"`)
      .send(key.publicKeyPem);
  });

  const refuse = (req: Request, res: Response, status: number, message: string): void =>
    answer(req, res, status, { kind: 'refused', message });

  /**
   * A refusal in the middle of an upload waits until the client has sent the rest (read and
   * dropped), so it can read the answer instead of seeing the connection reset under it; a body
   * far beyond the limit is cut off instead.
   */
  const refuseAfterBody = (req: Request, res: Response, status: number, message: string): void => {
    if (req.complete || req.readableEnded) return refuse(req, res, status, message);
    let seen = 0;
    req.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > 4 * MAX_UPLOAD_BYTES) req.destroy();
    });
    req.once('end', () => refuse(req, res, status, message));
    req.resume();
  };

  router.post(
    '/verify',
    (req, res, next) => {
      if (limiter.hit('verify', req.ip ?? '', CHECKS_PER_MINUTE, 60_000)) return next();
      res.setHeader('Retry-After', '60');
      refuseAfterBody(
        req,
        res,
        429,
        `At most ${CHECKS_PER_MINUTE} files a minute can be checked; try again in a minute.`,
      );
    },
    (req, res, next) => {
      const parse = req.is('multipart/form-data') ? upload : raw;
      parse(req, res, (error?: unknown) => {
        if (!error) return next();
        const tooLarge =
          (error instanceof multer.MulterError && error.code === 'LIMIT_FILE_SIZE') ||
          (typeof error === 'object' && error !== null && 'status' in error && error.status === 413);
        if (tooLarge)
          return refuseAfterBody(
            req,
            res,
            413,
            `The file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB: it is no evidence export.`,
          );
        refuseAfterBody(
          req,
          res,
          400,
          'The upload could not be read. Choose one file (the ZIP or the JSON) and send the form again.',
        );
      });
    },
    async (req: Request, res: Response, next: NextFunction) => {
      const file = req.file?.buffer ?? (Buffer.isBuffer(req.body) ? req.body : null);
      if (!file) return refuse(req, res, 400, 'No file was sent. Choose the ZIP or the certificate’s JSON.');
      try {
        const result = await verifyUpload(file, keys(), logView());
        answer(req, res, result.kind === 'refused' ? 400 : 200, result);
      } catch (error) {
        next(error);
      }
    },
  );
}
