/** The HTTP plumbing of the emulated REST API: form bodies in, JSON and Twilio error documents out. */
import type http from 'node:http';

export function parseForm(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const prev = out[key];
    out[key] = prev === undefined ? value : `${prev} ${value}`;
  }
  return out;
}

export function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf-8')));
    req.on('error', reject);
  });
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function twilioError(res: http.ServerResponse, status: number, code: number, message: string): void {
  sendJson(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
}

export function notFound(res: http.ServerResponse): void {
  twilioError(res, 404, 20404, 'The requested resource was not found');
}

export function methodNotAllowed(res: http.ServerResponse): void {
  twilioError(res, 405, 20004, 'Method not allowed');
}
