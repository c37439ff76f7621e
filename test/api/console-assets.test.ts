// The console's file server (apps/api/console/console-assets.ts) on a real HTTP server over a
// folder laid out as scripts/build-console.mjs lays out dist/console: what it answers, with which
// headers, and everything it leaves to the API's routes.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleAssets } from '../../apps/api/console/console-assets';
import type { ApiRequest } from '../../apps/api/http/api-request';

/** A server whose every request goes through the middleware first, then to "the API", which answers 404 api. */
async function serve(dir: string): Promise<{ url: string; server: Server }> {
  const middleware = consoleAssets(dir);
  const server = createServer((request, response) =>
    middleware(request as ApiRequest, response, () => {
      response.statusCode = 404;
      response.end('api');
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('the console’s file server', () => {
  const built = mkdtempSync(join(tmpdir(), 'keysync-console-'));
  const empty = mkdtempSync(join(tmpdir(), 'keysync-console-empty-'));
  let site: { url: string; server: Server };
  let unbuilt: { url: string; server: Server };

  beforeAll(async () => {
    mkdirSync(join(built, 'assets'));
    writeFileSync(join(built, 'index.html'), '<!doctype html><title>KeySync console</title>');
    writeFileSync(join(built, 'assets', 'console-ABC123.js'), 'export {};');
    writeFileSync(join(built, 'assets', 'notes.txt'), 'not an asset type');
    writeFileSync(join(built, 'secret.js'), 'outside assets');
    site = await serve(built);
    unbuilt = await serve(empty);
  });

  afterAll(async () => {
    await new Promise((resolve) => site?.server.close(resolve));
    await new Promise((resolve) => unbuilt?.server.close(resolve));
    rmSync(built, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
  });

  it('answers / with the page, revalidated, under the strict policy', async () => {
    const answer = await fetch(`${site.url}/`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(answer.headers.get('cache-control')).toBe('no-cache');
    expect(answer.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(answer.headers.get('x-frame-options')).toBe('DENY');
    expect(await answer.text()).toContain('KeySync console');
  });

  it('answers a hashed asset with its content type, cached for good; HEAD without a body', async () => {
    const answer = await fetch(`${site.url}/assets/console-ABC123.js`);
    expect(answer.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(answer.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const head = await fetch(`${site.url}/assets/console-ABC123.js`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String('export {};'.length));
    expect(await head.text()).toBe('');
  });

  it('leaves to the API every other path, method, file type and any way out of the assets folder', async () => {
    for (const path of ['/v1/health', '/docs', '/metrics', '/secret.js', '/assets/notes.txt', '/assets/missing.js', '/assets/../secret.js', '/assets/%2E%2E%2Fsecret.js', '/assets/']) {
      const answer = await fetch(`${site.url}${path}`);
      expect(await answer.text(), path).toBe('api');
    }
    expect(await (await fetch(`${site.url}/`, { method: 'POST' })).text()).toBe('api');
  });

  it('says how to build the console when it is not built, with a 503', async () => {
    const answer = await fetch(`${unbuilt.url}/`);
    expect(answer.status).toBe(503);
    expect(await answer.text()).toContain('run `npm run build`');
  });
});
