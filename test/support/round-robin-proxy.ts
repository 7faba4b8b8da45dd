import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The smallest load balancer that behaves like one: every request (not every connection) goes to
 * the next instance in turn, so consecutive webhooks of one call land on different instances.
 * Bodies stream both ways; headers pass as sent (X-Twilio-Signature, Host and cookies included)
 * plus X-Forwarded-For/-Proto/-Host, as nginx with `proxy_set_header Host $host` does. Twilio signs
 * the public URL, so every instance behind it must share one PUBLIC_BASE_URL: this proxy's.
 *
 * Like nginx's `proxy_next_upstream error`, an instance that refuses the connection (it is down)
 * is skipped for the next one and rested for a while; once a request has reached an instance it is
 * never sent again (a webhook is not idempotent for the proxy to know), so a request in flight on
 * an instance that dies gets 502, as from any real proxy.
 */
export interface ProxiedRequest {
  /** Index of the upstream that served it; -1 when none could be reached. */
  upstream: number;
  method: string;
  path: string;
  status: number;
  /** The first bytes of the request body, when `recordBodies` is on (a webhook's form fields). */
  body?: string;
}

export interface RoundRobinProxy {
  url: string;
  port: number;
  /** Every request answered, in the order they finished. */
  requests: ProxiedRequest[];
  /** Requests not yet answered (their upstream is set once one took the connection). */
  inFlight(): ProxiedRequest[];
  close(): Promise<void>;
}

export interface ProxyOptions {
  /** Upstream base URLs (`http://127.0.0.1:3001`), tried in turn. */
  upstreams: string[];
  port?: number;
  /** Keep the first 8 KiB of each request body in `requests` (tests; the bench leaves it off). */
  recordBodies?: boolean;
  /** How long an instance that refused a connection is left out. */
  restMs?: number;
}

const RECORDED_BODY_BYTES = 8192;
/** RFC 9110 §7.6.1: meaningful for one connection only, never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Node's rawHeaders (name, value, name, value, ...) as pairs, in order, duplicates kept. */
function pairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i] ?? '', raw[i + 1] ?? '']);
  return out;
}

function forwardedHeaders(raw: string[], clientAddress: string, host: string): string[] {
  const kept = pairs(raw).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase()));
  const isForwarded = (name: string): boolean => /^x-forwarded-(for|proto|host)$/i.test(name);
  const earlier = kept.filter(([name]) => name.toLowerCase() === 'x-forwarded-for').map(([, value]) => value);
  return [
    ...kept.filter(([name]) => !isForwarded(name)).flat(),
    ...['X-Forwarded-For', [...earlier, clientAddress].join(', ')],
    ...['X-Forwarded-Proto', 'http', 'X-Forwarded-Host', host],
  ];
}

function responseHeaders(raw: string[]): string[] {
  return pairs(raw)
    .filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase()))
    .flat();
}

export async function startRoundRobinProxy(options: ProxyOptions): Promise<RoundRobinProxy> {
  const upstreams = options.upstreams.map((u) => new URL(u));
  const restMs = options.restMs ?? 2000;
  const restingUntil = upstreams.map(() => 0);
  // A fresh connection per request: one to a dead instance is refused at once, and can go to the
  // next, where a kept-alive one would fail after the request was written.
  const agent = new http.Agent({ keepAlive: false });
  const requests: ProxiedRequest[] = [];
  const active = new Set<ProxiedRequest>();
  let next = 0;

  const server = http.createServer((req, res) => {
    const record: ProxiedRequest = {
      upstream: -1,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      status: 0,
    };
    let kept = '';
    const keep = (chunk: Buffer): void => {
      if (kept.length < RECORDED_BODY_BYTES) kept += chunk.toString('latin1');
      record.body = kept.slice(0, RECORDED_BODY_BYTES);
    };
    const headers = forwardedHeaders(req.rawHeaders, req.socket.remoteAddress ?? '', req.headers.host ?? '');
    const fail = (status: number): void => {
      record.status = status;
      if (res.headersSent) return void res.destroy();
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 503 ? 'no upstream reachable\n' : 'upstream failed\n');
    };

    // Each attempt starts at the next index in turn, so it is per request and not sticky.
    const order = upstreams.map((_, k) => (next + k) % upstreams.length);
    const now = Date.now();
    const rested = (i: number): boolean => (restingUntil[i] ?? 0) <= now;
    // Rested instances first; resting ones still get a try when no other answers.
    const candidates = [...order.filter(rested), ...order.filter((i) => !rested(i))];

    const attempt = (k: number): void => {
      const index = candidates[k];
      // The turn passes to the instance after the one that takes it: round robin over the live ones.
      if (k === 0 && index !== undefined) next = (index + 1) % upstreams.length;
      const target = index === undefined ? undefined : upstreams[index];
      if (index === undefined || !target) return fail(503);
      const upstream = http.request({
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
        agent,
      });
      // The body only flows once the instance took the connection: until then it can go elsewhere.
      let reached = false;
      upstream.on('socket', (socket) => {
        const connected = (): void => {
          reached = true;
          record.upstream = index;
          if (options.recordBodies) req.on('data', keep);
          req.pipe(upstream);
        };
        if (socket.connecting) socket.once('connect', connected);
        else connected();
      });
      upstream.on('response', (upstreamRes) => {
        record.status = upstreamRes.statusCode ?? 502;
        res.writeHead(record.status, upstreamRes.statusMessage, responseHeaders(upstreamRes.rawHeaders));
        upstreamRes.pipe(res);
        upstreamRes.on('error', () => res.destroy());
        upstreamRes.on('aborted', () => res.destroy());
      });
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      upstream.on('error', () => {
        if (reached) return fail(502);
        restingUntil[index] = Date.now() + restMs;
        attempt(k + 1);
      });
    };
    active.add(record);
    const done = (): void => {
      if (!active.delete(record)) return;
      requests.push(record);
    };
    res.on('finish', done);
    res.on('close', done);
    attempt(0);
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    inFlight: () => [...active],
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
