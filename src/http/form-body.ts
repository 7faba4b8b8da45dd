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

/** What a webhook body held, and whether it was bigger than a webhook is served with. */
export interface WebhookForm {
  params: FormParams;
  /** Over the size or field limit: read only so that its signature can be checked. */
  oversized: boolean;
}

/** Bodies up to this size are read (and their signature checked) even when oversized; beyond, 413. */
const MOST_READ_BYTES = 1024 * 1024;
const MOST_READ_FIELDS = 1000;

/**
 * Reads a Twilio webhook body: form-encoded, small, a bounded number of fields. A generic body
 * parser costs more than the rest of a webhook's work; this reads what Twilio sends and nothing else.
 * A request without a form body has no parameters. A body over the limits (up to 1 MiB) is still
 * read and marked `oversized`, so that the route can tell a stranger (403) from a signed request
 * of a call (which must still get TwiML, never an error Twilio reads out as "application error").
 */
export function readForm(
  req: IncomingMessage,
  limits: { bytes: number; fields: number } = { bytes: 32 * 1024, fields: 200 },
): Promise<WebhookForm> {
  const type = (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MOST_READ_BYTES) return Promise.reject(new BodyError(413, 'request body too large'));
  if (type !== FORM) {
    // Not a form: no parameters. The signature check that follows then decides (403 for a
    // stranger, as for any unsigned request; a signed one lacks CallSid and gets a 400).
    req.resume();
    return Promise.resolve({ params: {}, oversized: false });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MOST_READ_BYTES && !failed) {
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
      const parsed = querystring.parse(raw, '&', '=', { maxKeys: MOST_READ_FIELDS });
      // No prototype: a field named __proto__ is a field like any other (and is signed like one).
      const params: FormParams = Object.create(null) as FormParams;
      for (const [k, v] of Object.entries(parsed)) if (v !== undefined) params[k] = v;
      resolve({ params, oversized: size > limits.bytes || Object.keys(params).length > limits.fields });
    });
  });
}

/** One value per name (form or query); a repeated field is ambiguous, so it counts as absent. */
export function singleValues(source: object): Record<string, string | undefined> {
  const out = Object.create(null) as Record<string, string | undefined>;
  for (const [k, v] of Object.entries(source)) if (typeof v === 'string') out[k] = v;
  return out;
}
