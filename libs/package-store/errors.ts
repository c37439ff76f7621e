// What a package store throws, by what the caller can do about it. Activities map these to typed
// failures (activities/failures.ts), the API to HTTP answers; no message carries a credential.

export class BlobNotFoundError extends Error {
  override readonly name = 'BlobNotFoundError';

  constructor(
    readonly digest: string,
    location?: string,
  ) {
    super(`No blob ${digest} in the package store${location ? ` (${location})` : ''}: it was never stored there or was removed; export the package again.`);
  }
}

/** The stored bytes no longer hash to their name: the blob was changed after it was written. */
export class BlobDigestMismatchError extends Error {
  override readonly name = 'BlobDigestMismatchError';

  constructor(
    readonly digest: string,
    where = 'on disk',
  ) {
    super(`Blob ${digest} in the package store does not match its digest: it was altered ${where}; export the package again.`);
  }
}

/**
 * Why a remote store could not be used. `unreachable`: no answer from the endpoint (down, wrong
 * address, network); `bucket-missing`: the endpoint answers but has no such bucket;
 * `access-denied`: the credentials are refused or lack a permission; `server-error`: the endpoint
 * failed (5xx) or answered something unexpected.
 */
export type PackageStoreFaultKind = 'unreachable' | 'bucket-missing' | 'access-denied' | 'server-error';

/**
 * The store cannot be used right now. Every kind is retryable: each is cured outside the operation
 * (the endpoint comes back, an operator creates the bucket, grants the key or restarts the agent
 * with the right credentials), and an operation that waits for that cure keeps its approvals and
 * its progress, where a failure would make the operator start and approve it all again. The member
 * shows the message as its last error meanwhile, so the wait is never silent.
 */
export class PackageStoreUnavailableError extends Error {
  override readonly name = 'PackageStoreUnavailableError';
  readonly retryable = true;

  constructor(
    readonly kind: PackageStoreFaultKind,
    message: string,
  ) {
    super(message);
  }
}
