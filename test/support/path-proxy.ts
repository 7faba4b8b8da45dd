import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A reverse proxy that publishes the service under a path (`http://127.0.0.1:port/ivr`), as an
 * operator's nginx `location /ivr/` does: only requests under the path reach the service, with the
 * path passed on (`proxy_pass http://up;`) or stripped (`proxy_pass http://up/;`), as `strip`
 * says at the moment of each request. Anything outside the path is answered 404 here and
 * recorded (but the browser's own /favicon.ico), so a test sees every link that escaped it.
 */
export interface PathProxy {
  /** The public base URL: origin and path. */
  url: string;
  strip: boolean;
  /** Paths asked for outside the published path. */
  outside: string[];
  close(): Promise<void>;
}

export async function startPathProxy(basePath: string, upstream: () => string): Promise<PathProxy> {
  const outside: string[] = [];
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url !== basePath && !url.startsWith(`${basePath}/`) && !url.startsWith(`${basePath}?`)) {
      // A browser asks for /favicon.ico at the root of its own accord; no page of ours links it.
      if (url !== '/favicon.ico') outside.push(url);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not under the published path');
      return;
    }
    const rest = url.slice(basePath.length);
    const target = new URL(proxy.strip ? (rest.startsWith('/') ? rest : `/${rest}`) : url, upstream());
    const up = http.request(
      target,
      { method: req.method, headers: { ...req.headers, 'x-forwarded-proto': 'http' } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: PathProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${basePath}`,
    strip: false,
    outside,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return proxy;
}
