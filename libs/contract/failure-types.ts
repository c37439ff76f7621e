// Failure types that activities raise (ApplicationFailure.type) and workflows, the API and the
// CLI match on. They are recorded in histories: a value never changes once released.
export const FailureTypes = {
  tamperedPackage: 'tampered-package',
  wrongCluster: 'wrong-cluster',
  expiredPackage: 'expired-package',
  conflict: 'conflict',
  badPin: 'bad-pin',
  hsmError: 'hsm-error',
  transportKeyMismatch: 'transport-key-mismatch',
} as const;

export type FailureType = (typeof FailureTypes)[keyof typeof FailureTypes];

/** Failures that retrying cannot fix: an activity raises them with nonRetryable set. */
export const nonRetryableFailureTypes: readonly FailureType[] = [
  FailureTypes.tamperedPackage,
  FailureTypes.wrongCluster,
  FailureTypes.expiredPackage,
  FailureTypes.conflict,
  FailureTypes.badPin,
  FailureTypes.transportKeyMismatch,
];
