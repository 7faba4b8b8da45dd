import type { IncomingMessage } from 'node:http';
import querystring from 'node:querystring';

export type FormParams = Record<string, string | string[]>;

export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
  }
}

const FORM = 'application/x-www-form-urlencoded';

/**
 * Reads a Twilio webhook body: form-encoded, small, a bounded number of fields. A generic body
 * parser costs more than the rest of a webhook's work; this reads what Twilio sends and nothing else.
 * A request without a form body has no parameters.
 */
export function readForm(
  req: IncomingMessage,
  limits: { bytes: number; fields: number } = { bytes: 32 * 1024, fields: 200 },
): Promise<FormParams> {
  const type = (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limits.bytes) return Promise.reject(new BodyError(413, 'request body too large'));
  if (type !== FORM) {
    // Not a form: no parameters. The signature check that follows then decides (403 for a
    // stranger, as for any unsigned request; a signed one lacks CallSid and gets a 400).
    req.resume();
    return Promise.resolve({});
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.bytes && !failed) {
        failed = true;
        reject(new BodyError(413, 'request body too large'));
      }
      if (!failed) chunks.push(chunk);
    });
    req.on('error', (error) => {
      if (!failed) reject(new BodyError(400, `unreadable request body: ${error.message}`));
      failed = true;
    });
    req.on('end', () => {
      if (failed) return;
      const raw =
        chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
      const parsed = querystring.parse(raw, '&', '=', { maxKeys: limits.fields + 1 });
      if (Object.keys(parsed).length > limits.fields) {
        reject(new BodyError(413, 'too many parameters'));
        return;
      }
      // No prototype: a field named __proto__ is a field like any other (and is signed like one).
      const params: FormParams = Object.create(null) as FormParams;
      for (const [k, v] of Object.entries(parsed)) if (v !== undefined) params[k] = v;
      resolve(params);
    });
  });
}

/** One value per name (form or query); a repeated field is ambiguous, so it counts as absent. */
export function singleValues(source: object): Record<string, string | undefined> {
  const out = Object.create(null) as Record<string, string | undefined>;
  for (const [k, v] of Object.entries(source)) if (typeof v === 'string') out[k] = v;
  return out;
}
