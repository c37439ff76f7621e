// Maps an agent's failure type (libs/contract/failure-types.ts) to the member failure reason an
// operator sees (DESIGN section 5), with a sentence that says what to do.
import { FailureTypes } from '../libs/contract/failure-types';
import type { MemberFailureReason } from '../libs/contract/operations';

export function reasonForFailureType(type: string): MemberFailureReason {
  switch (type) {
    case FailureTypes.tamperedPackage:
    case FailureTypes.transportKeyMismatch:
      return 'tampered-package';
    case FailureTypes.wrongCluster:
      return 'wrong-cluster';
    case FailureTypes.expiredPackage:
      return 'expired-package';
    case FailureTypes.conflict:
      return 'conflict';
    default:
      return 'hsm-error';
  }
}

const advice: Record<MemberFailureReason, string> = {
  rejected: 'An approver rejected it; start a new operation if it is still wanted.',
  'approval-timeout': 'Not enough approvals came in time; start a new operation and ask the approvers again.',
  conflict: 'The member holds another key under the same id; an operator must decide which key is right before syncing it.',
  'tampered-package': 'The package failed its checks and nothing was imported; export a fresh one from the source.',
  'wrong-cluster': "The member's cluster secrets differ from the source's; join it to this cluster first.",
  'hsm-error': "Check the member's HSM and its agent's log, then run the sync again.",
  cancelled: 'The operation was cancelled; nothing half-imported was left behind.',
  'expired-package': 'The package is older than its lifetime; run the sync again to export a fresh one.',
  'unsupported-mechanism':
    "Its token lacks what is named above: for a wrap format the HSM offers under a vendor mechanism, name that mechanism in the member's wrapMechanisms (README: vendor modules); a key type the HSM cannot hold stays off this member.",
  'invalid-data':
    "The keys named above unwrapped but were not the package's keys, so they were destroyed again: the source's and this member's mechanisms for the wrap format disagree; check both members' wrapMechanisms (README: vendor modules), then run the sync again.",
};

export function adviceFor(reason: MemberFailureReason): string {
  return advice[reason];
}
