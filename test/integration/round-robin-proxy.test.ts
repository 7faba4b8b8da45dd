import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { startRoundRobinProxy, type RoundRobinProxy } from '../support/round-robin-proxy';

/** What an upstream saw of one request. */
interface Seen {
  upstream: number;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  bodySha256: string;
  bytes: number;
}

interface Upstream {
  url: string;
  seen: Seen[];
  server: http.Server;
  /** Replaces the default handler (answer 200 with the request's hash) for this upstream. */
  handle?: (req: http.IncomingMessage, res: http.ServerResponse) => void;
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function upstream(index: number): Promise<Upstream> {
  const u: Upstream = { url: '', seen: [], server: http.createServer() };
  u.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (u.handle) return u.handle(req, res);
    const hash = crypto.createHash('sha256');
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    req.on('end', () => {
      const seen = {
        upstream: index,
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        bodySha256: hash.digest('hex'),
        bytes,
      };
      u.seen.push(seen);
      res.setHeader('Set-Cookie', [`a=${index}`, 'b=2']);
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': String(index) });
      res.end(JSON.stringify(seen));
    });
  });
  await new Promise<void>((resolve) => u.server.listen(0, '127.0.0.1', resolve));
  u.url = `http://127.0.0.1:${(u.server.address() as AddressInfo).port}`;
  open.push({
    close: () =>
      new Promise<void>((resolve) => (u.server.closeAllConnections(), u.server.close(() => resolve()))),
  });
  return u;
}

async function proxyTo(urls: string[]): Promise<RoundRobinProxy> {
  const proxy = await startRoundRobinProxy({ upstreams: urls, recordBodies: true });
  open.push(proxy);
  return proxy;
}

/** A closed port: an instance that is down refuses the connection. */
async function deadUrl(): Promise<string> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function send(
  url: string,
  options: { method?: string; headers?: http.OutgoingHttpHeaders; body?: Buffer; agent?: http.Agent },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: options.method ?? 'POST', headers: options.headers, agent: options.agent },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

test('Consecutive requests on one kept-alive connection go to each instance in turn, with the headers a webhook needs as sent', async () => {
  const ups = await Promise.all([0, 1, 2].map(upstream));
  const proxy = await proxyTo(ups.map((u) => u.url));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  open.push({ close: async () => agent.destroy() });
  const body = Buffer.from('CallSid=CA123&Digits=1');
  const served: number[] = [];
  for (let i = 0; i < 6; i++) {
    const reply = await send(`${proxy.url}/voice/consent?step=${i}`, {
      agent,
      body,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'X-Twilio-Signature': 'c2lnbmF0dXJl+/=',
        'x-forwarded-for': '198.51.100.7',
        cookie: 'sid=abc',
        'I-Twilio-Idempotency-Token': `token-${i}`,
      },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers['set-cookie']).toEqual([`a=${reply.headers['x-upstream']}`, 'b=2']);
    served.push(Number(reply.headers['x-upstream']));
  }
  expect(served).toEqual([0, 1, 2, 0, 1, 2]);
  const first = ups[0]?.seen[0];
  expect(first?.headers).toMatchObject({
    host: `127.0.0.1:${proxy.port}`,
    'x-twilio-signature': 'c2lnbmF0dXJl+/=',
    'x-forwarded-for': '198.51.100.7, 127.0.0.1',
    'x-forwarded-proto': 'http',
    'x-forwarded-host': `127.0.0.1:${proxy.port}`,
    cookie: 'sid=abc',
    'i-twilio-idempotency-token': 'token-0',
    'content-length': String(body.length),
  });
  expect(first?.bodySha256).toBe(crypto.createHash('sha256').update(body).digest('hex'));
  expect(proxy.requests.map((r) => [r.upstream, r.status, r.path])).toEqual(
    served.map((u, i) => [u, 200, `/voice/consent?step=${i}`]),
  );
  expect(proxy.requests[0]?.body).toBe(body.toString());
});

test('Any header a client sends reaches the instance with its value unchanged', async () => {
  const ups = await Promise.all([0, 1].map(upstream));
  const proxy = await proxyTo(ups.map((u) => u.url));
  const token = fc
    .stringMatching(/^[a-z][a-z0-9-]{0,20}$/)
    .filter(
      (n) =>
        !/^(x-forwarded-|connection$|keep-alive$|te$|trailer$|upgrade$|proxy-|transfer-encoding$|content-length$|host$|expect$)/.test(
          n,
        ),
    );
  const value = fc.stringMatching(/^[!-~]([ -~]{0,40}[!-~])?$/);
  await fc.assert(
    fc.asyncProperty(fc.dictionary(token, value, { maxKeys: 8 }), async (headers) => {
      const reply = await send(proxy.url, { headers });
      const seen = JSON.parse(reply.body) as Seen;
      for (const [name, v] of Object.entries(headers))
        expect({ name, value: seen.headers[name] }).toEqual({ name, value: v });
    }),
    { numRuns: 60 },
  );
});

test('A body streams through: the instance reads the first chunk before the client has sent the rest, and 5 MB arrive intact', async () => {
  const [u] = await Promise.all([upstream(0)]);
  if (!u) throw new Error('no upstream');
  let firstChunk: () => void = () => undefined;
  const gotFirst = new Promise<void>((resolve) => (firstChunk = resolve));
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  u.handle = (req, res) => {
    req.on('data', (chunk: Buffer) => {
      if (bytes === 0) firstChunk();
      bytes += chunk.length;
      hash.update(chunk);
    });
    req.on('end', () => res.end(hash.digest('hex')));
  };
  const proxy = await proxyTo([u.url]);
  const payload = crypto.randomBytes(5 * 1024 * 1024);
  let inFlightMeanwhile: unknown = null;
  const reply = new Promise<Reply>((resolve, reject) => {
    const req = http.request(proxy.url, { method: 'POST' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.write(payload.subarray(0, 1024));
    // The rest only once the instance has the first kilobyte: a buffering proxy would wait forever.
    void gotFirst.then(() => {
      inFlightMeanwhile = proxy.inFlight().map((r) => ({ upstream: r.upstream, status: r.status }));
      req.end(payload.subarray(1024));
    });
  });
  const { status, body } = await reply;
  expect(status).toBe(200);
  expect(bytes).toBe(payload.length);
  expect(inFlightMeanwhile).toEqual([{ upstream: 0, status: 0 }]);
  expect(proxy.inFlight()).toEqual([]);
  expect(body).toBe(crypto.createHash('sha256').update(payload).digest('hex'));
});

test('An instance that is down is skipped: every request is answered by the live ones; with none left the answer is 503', async () => {
  const live = await Promise.all([0, 1].map(upstream));
  const dead = await deadUrl();
  const proxy = await proxyTo([live[0]?.url ?? '', dead, live[1]?.url ?? '']);
  const replies = await Promise.all(
    Array.from({ length: 12 }, () => send(proxy.url, { body: Buffer.from('x=1') })),
  );
  expect(replies.map((r) => r.status)).toEqual(Array(12).fill(200));
  expect(new Set(proxy.requests.map((r) => r.upstream))).toEqual(new Set([0, 2]));
  expect(live.map((u) => u.seen.length).reduce((a, b) => a + b)).toBe(12);

  const none = await proxyTo([dead]);
  expect((await send(none.url, { body: Buffer.from('x=1') })).status).toBe(503);
});

test('A request in flight on an instance that dies gets 502 and is not sent to another instance', async () => {
  const ups = await Promise.all([0, 1].map(upstream));
  const [dying, other] = ups;
  if (!dying || !other) throw new Error('no upstream');
  let received = 0;
  dying.handle = (req) => {
    received++;
    req.on('data', () => req.socket.destroy());
  };
  const proxy = await proxyTo([dying.url, other.url]);
  const reply = await send(proxy.url, { body: Buffer.from('CallSid=CA1') });
  expect(reply.status).toBe(502);
  expect(received).toBe(1);
  expect(other.seen).toHaveLength(0);
  expect(proxy.requests[0]).toMatchObject({ upstream: 0, status: 502 });
});
