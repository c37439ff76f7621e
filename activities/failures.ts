// Turns what libs/hsm and the package store throw into typed Temporal failures. Workflows match
// on `type`; the message says what went wrong and what to do. libs/hsm builds its messages from
// labels, CKR names and advice only, so they are safe to carry; nothing here adds key bytes or a PIN.
import { ApplicationFailure } from '@temporalio/common';
import { FailureTypes } from '../libs/contract/failure-types';
import type { FailureType } from '../libs/contract/failure-types';
import { HsmError, PackageRejectedError } from '../libs/hsm/errors';
import type { HsmErrorKind, PackageRejectionReason } from '../libs/hsm/errors';
import { BlobDigestMismatchError, BlobNotFoundError, PackageStoreUnavailableError } from '../libs/package-store';

/** Not in the shared contract: a blob missing from the store is retried (a shared store may lag). */
export const PACKAGE_UNAVAILABLE = 'package-unavailable';

/**
 * Not in the shared contract either: the package store cannot be used right now, by kind
 * (`package-store-unreachable`, `-bucket-missing`, `-access-denied`, `-server-error`). The member
 * shows it as its last error while the workflow retries (libs/package-store/errors.ts says why
 * every kind is retried).
 */
export const PACKAGE_STORE_FAILURE_PREFIX = 'package-store-';

export function failure(type: FailureType, message: string, nonRetryable: boolean): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable });
}

const REJECTION_TYPES: Record<PackageRejectionReason, FailureType> = {
  malformed: FailureTypes.tamperedPackage,
  'unsupported-format': FailureTypes.tamperedPackage,
  'digest-mismatch': FailureTypes.tamperedPackage,
  tampered: FailureTypes.tamperedPackage,
  'wrong-cluster': FailureTypes.wrongCluster,
  expired: FailureTypes.expiredPackage,
};

/** A PIN problem is not fixed by retrying, and retrying a wrong PIN locks the token. */
const PIN_KINDS: ReadonlySet<HsmErrorKind> = new Set(['pin-incorrect', 'pin-locked', 'pin-unavailable']);

/**
 * Maps an error raised while serving `member` to what the activity throws. Errors that are none
 * of ours pass through unchanged, and Temporal retries them.
 */
export function toActivityFailure(error: unknown, member: string): unknown {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof PackageRejectedError) {
    return failure(REJECTION_TYPES[error.reason], `Member ${member} refused the package, nothing was imported: ${error.message}`, true);
  }
  if (error instanceof BlobDigestMismatchError) {
    return failure(FailureTypes.tamperedPackage, `Member ${member} refused the package, nothing was imported: ${error.message}`, true);
  }
  if (error instanceof BlobNotFoundError) {
    return ApplicationFailure.create({ type: PACKAGE_UNAVAILABLE, message: `Member ${member}: ${error.message} The package store must be shared with the source member.`, nonRetryable: false });
  }
  if (error instanceof PackageStoreUnavailableError) {
    return ApplicationFailure.create({
      type: `${PACKAGE_STORE_FAILURE_PREFIX}${error.kind}`,
      message: `Member ${member}: ${error.message}${error.retryable ? ' Retrying until it works.' : ''}`,
      nonRetryable: !error.retryable,
    });
  }
  if (error instanceof HsmError) {
    if (PIN_KINDS.has(error.kind)) return failure(FailureTypes.badPin, `Member ${member}: ${error.message}`, true);
    return failure(FailureTypes.hsmError, `Member ${member} (${error.kind}): ${error.message}`, !error.retryable);
  }
  return error;
}

/** Runs an activity body and maps what it throws. */
export async function mapFailures<T>(member: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw toActivityFailure(error, member);
  }
}
