// Every error leaves the API through here, as { code, message, correlationId }. Bad input maps
// to a 4xx with a message that says what to fix; only our own faults are a 5xx, and those are
// logged in full while the caller gets the correlation id to quote.
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import { isGrpcServiceError, ServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { PackageStoreUnavailableError } from '../../../libs/package-store';
import type { ApiRequest, ApiResponse } from '../http/api-request';
import { requestIdOf } from '../http/request-context';
import { jsonBodyLimit, packageBodyLimit } from '../http/body-limits';
import { ApiLogger } from '../logging/logger';
import { ApiError, type ApiErrorDetail } from './api-error';

export interface ErrorBody {
  code: string;
  message: string;
  correlationId: string;
  details?: ApiErrorDetail[];
}

/** The one way an error body is written, here and by middleware that answers before any route (405). */
export function writeErrorBody(response: ApiResponse, status: number, body: ErrorBody): void {
  const payload: ErrorBody = { code: body.code, message: body.message, correlationId: body.correlationId };
  if (body.details) payload.details = body.details;
  response.statusCode = status;
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.end(JSON.stringify(payload));
}

/** The http-errors type (body-parser, express) behind a Nest HttpException, when there is one. */
function causeType(error: HttpException): string | undefined {
  const cause = error.cause as { type?: unknown } | undefined;
  return typeof cause?.type === 'string' ? cause.type : undefined;
}

function fromHttpException(error: HttpException): Omit<ErrorBody, 'correlationId'> {
  const status = error.getStatus();
  if (error instanceof ApiError) return { code: error.code, message: error.message, details: error.details };
  const type = causeType(error);
  if (status === 400 && (type === 'entity.parse.failed' || error.cause instanceof SyntaxError)) {
    return { code: 'malformed-json', message: 'The request body is not valid JSON. Fix its syntax and send it again.' };
  }
  if (status === 413) {
    return {
      code: 'body-too-large',
      message: `The request body is larger than the API accepts (${jsonBodyLimit} for JSON, ${packageBodyLimit} for a package file). Send a smaller body.`,
    };
  }
  if (status === 415) {
    return { code: 'unsupported-media-type', message: `${error.message}. Send the body with a supported Content-Type.` };
  }
  if (status === 404) {
    return { code: 'route-not-found', message: `${error.message}: no such endpoint. See /v1/openapi.json for the API.` };
  }
  if (status === 401) return { code: 'unauthenticated', message: error.message };
  if (status === 403) return { code: 'forbidden', message: error.message };
  return { code: status >= 500 ? 'internal' : 'bad-request', message: error.message };
}

/** gRPC UNAVAILABLE and DEADLINE_EXCEEDED: the server cannot be reached right now. */
const unreachableGrpcCodes: readonly number[] = [14, 4];

function isTemporalUnavailable(error: unknown): boolean {
  if (error instanceof ServiceError) return true;
  return isGrpcServiceError(error) && unreachableGrpcCodes.includes(error.code);
}

@Catch()
export class ErrorFilter implements ExceptionFilter {
  constructor(private readonly log: ApiLogger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<ApiRequest>();
    const response = http.getResponse<ApiResponse>();
    const correlationId = request.id ?? requestIdOf(request.headers['x-request-id']);
    let status: number;
    let body: Omit<ErrorBody, 'correlationId'>;
    if (error instanceof HttpException) {
      status = error.getStatus();
      body = fromHttpException(error);
      if (status >= 500) this.log.pino.error({ requestId: correlationId, err: error }, 'request failed');
    } else if (error instanceof WorkflowNotFoundError) {
      status = HttpStatus.NOT_FOUND;
      body = { code: 'operation-not-found', message: 'No such operation. Check the operation id (from the Location of the start request).' };
    } else if (isTemporalUnavailable(error)) {
      status = HttpStatus.SERVICE_UNAVAILABLE;
      body = { code: 'temporal-unavailable', message: 'Temporal cannot be reached right now. Check GET /v1/health, start Temporal, then retry.' };
      this.log.pino.warn({ requestId: correlationId, err: error }, 'temporal unavailable');
    } else if (error instanceof PackageStoreUnavailableError) {
      // Its message names the endpoint and bucket and what to check, never a credential.
      status = HttpStatus.SERVICE_UNAVAILABLE;
      body = { code: 'package-store-unavailable', message: `${error.message} Then send the request again.` };
      this.log.pino.warn({ requestId: correlationId, kind: error.kind }, 'package store unavailable');
    } else {
      status = HttpStatus.INTERNAL_SERVER_ERROR;
      body = { code: 'internal', message: `An unexpected error happened on the server. Report the correlation id ${correlationId}; the server log has the details.` };
      this.log.pino.error({ requestId: correlationId, err: error }, 'unexpected error');
    }
    if (response.headersSent) return;
    writeErrorBody(response, status, { ...body, correlationId });
  }
}
