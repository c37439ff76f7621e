// A known path asked with a method it does not take is a 405 that lists the methods it does take
// (Allow, RFC 9110), not a 404 that says the path does not exist; OPTIONS answers with the same
// list. The paths and their methods come from the OpenAPI document, which is built from the
// controllers, so this answer and the spec cannot disagree.
import type { OpenAPIObject } from '@nestjs/swagger';
import { writeErrorBody } from '../errors/error-filter';
import type { ApiRequest, ApiResponse } from './api-request';

const specMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

interface RouteMethods {
  pattern: RegExp;
  methods: string[];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `/v1/clusters/{cluster}` -> a regex for its paths: a parameter is one segment; Express ignores case and a trailing slash. */
function templatePattern(template: string): RegExp {
  const segments = template.split('/').map((segment) => (/^\{[^}]+\}$/.test(segment) ? '[^/]+' : escapeRegExp(segment)));
  return new RegExp(`^${segments.join('/')}/?$`, 'i');
}

/** What Express answers on a path: its declared methods, HEAD wherever GET is (Express serves it), and OPTIONS (here). */
function routeMethods(document: OpenAPIObject): RouteMethods[] {
  return Object.entries(document.paths).map(([template, item]) => {
    const declared = specMethods.filter((method) => item[method] !== undefined).map((method) => method.toUpperCase());
    if (declared.includes('GET') && !declared.includes('HEAD')) declared.push('HEAD');
    declared.push('OPTIONS');
    return { pattern: templatePattern(template), methods: declared };
  });
}

/** The methods a path takes, or null when no route has that path. */
function allowedMethods(routes: RouteMethods[], path: string): string[] | null {
  const matching = routes.filter((route) => route.pattern.test(path));
  if (matching.length === 0) return null;
  return [...new Set(matching.flatMap((route) => route.methods))];
}

/** Middleware; `document` is read at the first request, once the app has its routes. */
export function methodNotAllowed(document: () => OpenAPIObject) {
  let routes: RouteMethods[] | null = null;
  return (request: ApiRequest, response: ApiResponse, next: () => void): void => {
    routes ??= routeMethods(document());
    const path = (request.url ?? '').split('?')[0] ?? '';
    const method = (request.method ?? 'GET').toUpperCase();
    const allowed = allowedMethods(routes, path);
    if (!allowed || (allowed.includes(method) && method !== 'OPTIONS')) {
      next();
      return;
    }
    response.setHeader('allow', allowed.join(', '));
    if (method === 'OPTIONS') {
      response.statusCode = 204;
      response.end();
      return;
    }
    writeErrorBody(response, 405, {
      code: 'method-not-allowed',
      message: `${path} does not take ${method}; it takes ${allowed.join(', ')}. See /v1/openapi.json for the API.`,
      correlationId: request.id,
    });
  };
}
