// Why a package must not be imported. The codec raises the first two reasons; the HSM layer's
// verification (libs/hsm/package/verify-package.ts) the others. Messages name fields, ids and
// check values only, never key bytes, wrapped or not.

export type PackageRejectionReason = 'malformed' | 'unsupported-format' | 'wrong-cluster' | 'expired' | 'digest-mismatch' | 'tampered';

/** A package that must not be imported. Never retryable: the same bytes fail the same way. */
export class PackageRejectedError extends Error {
  override readonly name = 'PackageRejectedError';
  readonly retryable = false;

  constructor(
    readonly reason: PackageRejectionReason,
    message: string,
  ) {
    super(message);
  }
}
