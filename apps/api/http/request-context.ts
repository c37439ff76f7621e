// Gives every request a correlation id (the caller's x-request-id when it is sane, else a new
// one), echoes it on the response, and writes one log line per request when it finishes.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ApiRequest, ApiResponse } from './api-request';

const saneRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && saneRequestId.test(value) ? value : randomUUID();
}

/** The path without its query string: queries are not secret here, but paths are all a log needs. */
function pathOf(request: ApiRequest): string {
  const url = request.originalUrl ?? request.url ?? '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

export function requestContext(logger: Logger) {
  return (request: ApiRequest, response: ApiResponse, next: () => void): void => {
    request.id = requestIdOf(request.headers['x-request-id']);
    response.setHeader('x-request-id', request.id);
    const started = process.hrtime.bigint();
    response.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      logger.info(
        {
          requestId: request.id,
          principal: request.principal?.id,
          method: request.method,
          path: pathOf(request),
          status: response.statusCode,
          durationMs: Math.round(durationMs * 10) / 10,
        },
        'request',
      );
    });
    next();
  };
}
