import type { RequestHandler, Response } from 'express';

/**
 * Links, form actions and assets in our pages are written from the root (`/privacy/withdraw`),
 * and so are redirects (`/audit/login`). Behind a PUBLIC_BASE_URL with a path
 * (`https://example.com/ivr`) the browser only reaches us under that path, whether the proxy then
 * passes it on or strips it, so every such URL must carry it. Prefixing them here, where each
 * response leaves, covers every page and redirect at once, including ones written later.
 */

/** `/x` → `/ivr/x`; absolute URLs, protocol-relative `//host` and relative paths stay as they are. */
export function underBasePath(basePath: string, url: string): string {
  return basePath && url.startsWith('/') && !url.startsWith('//') ? `${basePath}${url}` : url;
}

/**
 * A root-relative URL in an attribute that makes the browser request it. Our templates escape
 * every value they insert (`"` becomes `&quot;`), so this pattern only ever matches markup we wrote.
 */
const ROOT_LINK = /\b(href|src|action|formaction)="\/(?!\/)/g;

export function withBasePathLinks(basePath: string, html: string): string {
  return basePath ? html.replace(ROOT_LINK, (_m, attr: string) => `${attr}="${basePath}/`) : html;
}

/** Express answers a string without a type as HTML; anything else typed as HTML is ours too. */
function isHtml(res: Response): boolean {
  const type = res.get('Content-Type');
  return type === undefined || /\bhtml\b/i.test(type);
}

/** Middleware that puts the base path in front of every redirect and every link in an HTML page. */
export function publicLinks(basePath: string): RequestHandler {
  return (_req, res, next) => {
    const location = res.location.bind(res);
    res.location = (url: string) => location(underBasePath(basePath, url));
    const send = res.send.bind(res);
    res.send = (body?: unknown) =>
      send(typeof body === 'string' && isHtml(res) ? withBasePathLinks(basePath, body) : body);
    next();
  };
}
