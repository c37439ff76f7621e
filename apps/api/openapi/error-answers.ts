// The error answers a route can give, each documented with the error body as JSON: a route lists
// every status it can answer (DESIGN section 7), and these say the same thing the same way.
// 401 and 403 come with the auth decorators (auth-decorators.ts), which cause them.
import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { ErrorBodyDto } from '../errors/error-body.dto';
import { jsonBodyLimit, packageBodyLimit } from '../http/body-limits';

const invalidInput = 'invalid-input: a path, query, header or body field breaks its rule; details names each field and why.';

/** 400: a parameter or body field breaks its rule (and what else the route refuses as bad input). */
export const ApiInvalidInput = (more?: string) => ApiBadRequestResponse({ type: ErrorBodyDto, description: more ? `${invalidInput} ${more}` : invalidInput });

/** 404: an id in the path or body names nothing this server knows. */
export const ApiUnknownId = (description: string) => ApiNotFoundResponse({ type: ErrorBodyDto, description });

/** 409: the request is fine, the state of what it addresses cannot take it. */
export const ApiStateConflict = (description: string) => ApiConflictResponse({ type: ErrorBodyDto, description });

/** 503: the route asks Temporal (temporal-unavailable), and maybe a worker (orchestrator-unavailable). */
export const ApiTemporalUnavailable = (more?: string) =>
  ApiServiceUnavailableResponse({
    type: ErrorBodyDto,
    description: `temporal-unavailable: Temporal cannot be reached right now.${more ? ` ${more}` : ''}`,
  });

const packageStoreUnavailable = 'package-store-unavailable: the package store (an S3 bucket) cannot be used right now; the message says what to check (endpoint, bucket, credentials).';

/** 503: the route reads or writes the package store, which may be a remote S3 bucket. */
export const ApiPackageStoreUnavailable = () => ApiServiceUnavailableResponse({ type: ErrorBodyDto, description: packageStoreUnavailable });

/** 503 for a route that writes the package store, then asks Temporal. */
export const ApiPackageStoreOrTemporalUnavailable = () => ApiTemporalUnavailable(`Or ${packageStoreUnavailable}`);

/** 413 body-too-large: what the JSON body parser refuses before the route runs. */
export const ApiJsonBody = () => ApiPayloadTooLargeResponse({ type: ErrorBodyDto, description: `body-too-large: a JSON body is limited to ${jsonBodyLimit}.` });

/** 413 and 415: what the upload refuses before it reads the file. */
export const ApiPackageBody = () =>
  applyDecorators(
    ApiPayloadTooLargeResponse({ type: ErrorBodyDto, description: `body-too-large: a package file is limited to ${packageBodyLimit}.` }),
    ApiUnsupportedMediaTypeResponse({ type: ErrorBodyDto, description: 'unsupported-media-type: the body is not a file sent as application/octet-stream.' }),
  );
