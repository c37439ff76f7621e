// Turns what the AWS SDK throws into the store's typed errors, each saying what to check. Only the
// endpoint, the bucket, the error's code and its HTTP status go into a message: never a
// credential, never the SDK's own message or response (they may quote request headers).
import { PackageStoreUnavailableError } from './errors';

export interface S3Target {
  endpoint: string;
  bucket: string;
}

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** The server's error code (NoSuchKey, AccessDenied, ...) or the socket's (ECONNREFUSED), when it is a plain word. */
export function errorCode(error: unknown): string {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  for (const candidate of [shape.code, shape.name]) {
    if (typeof candidate === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(candidate) && candidate !== 'Error') return candidate;
  }
  return 'no error code';
}

/** The HTTP status of the endpoint's answer; undefined when no answer came (connection refused, DNS, timeout). */
export function httpStatus(error: unknown): number | undefined {
  const status = (typeof error === 'object' && error !== null ? (error as SdkErrorShape).$metadata?.httpStatusCode : undefined);
  return typeof status === 'number' ? status : undefined;
}

const ACCESS_CODES: ReadonlySet<string> = new Set(['AccessDenied', 'SignatureDoesNotMatch', 'InvalidAccessKeyId', 'InvalidToken', 'ExpiredToken', 'AllAccessDisabled']);

export function toStoreFault(error: unknown, target: S3Target): PackageStoreUnavailableError {
  if (error instanceof PackageStoreUnavailableError) return error;
  const code = errorCode(error);
  const status = httpStatus(error);
  const { endpoint, bucket } = target;
  if (status === undefined) {
    return new PackageStoreUnavailableError(
      'unreachable',
      `The package store's S3 endpoint ${endpoint} cannot be reached (${code}): check that the S3 server is running and that this host can reach it.`,
    );
  }
  if (code === 'NoSuchBucket') {
    return new PackageStoreUnavailableError('bucket-missing', `The package store's bucket "${bucket}" does not exist at ${endpoint}: create it, or correct packageStore.s3.bucket.`);
  }
  if (status === 403 || ACCESS_CODES.has(code)) {
    return new PackageStoreUnavailableError(
      'access-denied',
      `The S3 endpoint ${endpoint} denied access to bucket "${bucket}" (${code}, HTTP ${status}): check the package store's credentials (the sources named by packageStore.s3.accessKeyId and secretAccessKey; an agent reads them when it starts) and that this key may read and write the bucket.`,
    );
  }
  if (status >= 500) {
    return new PackageStoreUnavailableError('server-error', `The S3 endpoint ${endpoint} failed on bucket "${bucket}" (${code}, HTTP ${status}): see the S3 server's log.`);
  }
  return new PackageStoreUnavailableError(
    'server-error',
    `The S3 endpoint ${endpoint} refused a request on bucket "${bucket}" (${code}, HTTP ${status}): check packageStore.s3 (endpoint, region, bucket, forcePathStyle).`,
  );
}

/** The conditional put found an object under the key already (If-None-Match: *). */
export function isAlreadyStored(error: unknown): boolean {
  return httpStatus(error) === 412 || errorCode(error) === 'PreconditionFailed';
}

/** Another conditional write of the same key is in flight (AWS answers 409); the put is tried again. */
export function isConcurrentWrite(error: unknown): boolean {
  return httpStatus(error) === 409 && errorCode(error) === 'ConditionalRequestConflict';
}

export function isNoSuchKey(error: unknown): boolean {
  return errorCode(error) === 'NoSuchKey';
}
