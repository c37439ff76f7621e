// Why the `approve` update refused an approval: the ApplicationFailure type its validator throws
// (workflows/approval-gate.ts) and the error code the API answers with, keyed by the short refusal
// code a refused signal records in ApprovalStatus.refused. Both are recorded or matched by
// clients: a value never changes once released.
export const approvalRefusalTypes = {
  /** Not {member, approverId, decision, signature or webauthn}. */
  malformed: 'approval-malformed',
  /** Sent to a workflow that approves another member. */
  'wrong-member': 'approval-wrong-member',
  /** The approver id is not among the cluster's approvers the operation started with. */
  'unknown-approver': 'approval-unknown-approver',
  /** The approver requested the operation (four eyes). */
  requester: 'approval-by-requester',
  /** The approver has already decided on this operation (one count each). */
  duplicate: 'approval-duplicate',
  /** The signature does not verify over this operation's challenge with the registered key. */
  'bad-signature': 'approval-bad-signature',
  /** A security key credential that is not confirmed for this approver (unknown, pending an admin's confirmation, or revoked). */
  'unknown-credential': 'approval-unknown-credential',
  /** Nothing awaits approval now: not yet at the approval step, or already decided. */
  'not-awaiting-approval': 'approval-not-awaited',
} as const;

export type ApprovalRefusalCode = keyof typeof approvalRefusalTypes;
export type ApprovalRefusalType = (typeof approvalRefusalTypes)[ApprovalRefusalCode];

const refusalTypeSet: ReadonlySet<string> = new Set(Object.values(approvalRefusalTypes));

export function isApprovalRefusalType(type: unknown): type is ApprovalRefusalType {
  return typeof type === 'string' && refusalTypeSet.has(type);
}
