// Serves the console (built into dist/console by scripts/build-console.mjs) at `/` of the API's
// own origin: `/` is its page, `/assets/<file>` its content-hashed script and styles. Nothing else
// is answered here, so no path of /v1, /docs or /metrics is ever shadowed. Every answer carries a
// strict Content-Security-Policy (scripts and styles from this origin only, no inline script,
// requests only to this origin, no framing); the page is revalidated on each load, the hashed
// files are cached for good.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { repoRoot } from '../../../libs/config/paths';
import type { ApiRequest, ApiResponse } from '../http/api-request';

export const consoleContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const securityHeaders: Record<string, string> = {
  'content-security-policy': consoleContentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** A file name esbuild writes: no separator, no `..`. */
const assetName = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

export function consoleDir(): string {
  return join(repoRoot(), 'dist', 'console');
}

/** Express middleware, ahead of the API's routes. */
export function consoleAssets(dir: string = consoleDir()) {
  return (request: ApiRequest, response: ApiResponse, next: () => void): void => {
    const method = (request.method ?? 'GET').toUpperCase();
    const path = (request.url ?? '').split('?')[0] ?? '';
    if (method !== 'GET' && method !== 'HEAD') {
      next();
      return;
    }
    if (path === '/' || path === '/index.html') {
      const page = join(dir, 'index.html');
      if (!existsSync(page)) {
        send(response, method, 503, 'text/plain; charset=utf-8', 'no-store', Buffer.from('The console is not built: run `npm run build` (npm start and npm test do it), then reload.\n'));
        return;
      }
      send(response, method, 200, contentTypes['.html']!, 'no-cache', readFileSync(page));
      return;
    }
    if (path.startsWith('/assets/')) {
      const name = path.slice('/assets/'.length);
      const file = join(dir, 'assets', name);
      const type = contentTypes[extname(name)];
      if (assetName.test(name) && type && existsSync(file) && statSync(file).isFile()) {
        send(response, method, 200, type, 'public, max-age=31536000, immutable', readFileSync(file));
        return;
      }
    }
    next();
  };
}

function send(response: ApiResponse, method: string, status: number, type: string, cacheControl: string, body: Buffer): void {
  response.statusCode = status;
  for (const [name, value] of Object.entries(securityHeaders)) response.setHeader(name, value);
  response.setHeader('content-type', type);
  response.setHeader('cache-control', cacheControl);
  response.setHeader('content-length', String(body.length));
  response.end(method === 'HEAD' ? undefined : body);
}
