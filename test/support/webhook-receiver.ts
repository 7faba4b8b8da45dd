import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
  answered: number | 'hung';
}

/** How the receiver answers the next requests: a status, or never (a CRM that hangs). */
export type ReceiverMode = { status: number } | 'hang';

/**
 * A CRM's webhook endpoint on a real port, programmable per test: answer with a status, hang, or
 * be down altogether (closed, then started again on the same port).
 */
export class WebhookReceiver {
  received: ReceivedWebhook[] = [];
  mode: ReceiverMode = { status: 204 };
  /** Awaited before a request is answered: what else happens while the CRM holds it. */
  beforeAnswer: ((w: ReceivedWebhook) => Promise<void>) | null = null;
  private server: http.Server | null = null;
  private readonly sockets = new Set<import('node:net').Socket>();

  private constructor(public port: number) {}

  static async start(port = 0): Promise<WebhookReceiver> {
    const r = new WebhookReceiver(port);
    await r.up();
    return r;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/crm/events`;
  }

  async up(): Promise<void> {
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
        const mode = this.mode;
        const received: ReceivedWebhook = { headers, body, answered: mode === 'hang' ? 'hung' : mode.status };
        this.received.push(received);
        if (mode === 'hang') return;
        void (this.beforeAnswer?.(received) ?? Promise.resolve()).finally(() =>
          res.writeHead(mode.status).end(),
        );
      });
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Down: the port refuses connections until `up()`. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
