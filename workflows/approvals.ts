// Moved to libs/approvals: re-exported here until every importer reads it from there.
export { approvalChallenge, challengeFormat, verifyEd25519 } from '../libs/approvals/challenge';
export type { ChallengeFields } from '../libs/approvals/challenge';
export { approvalOutcome, checkApproval, eligibleApprovers } from '../libs/approvals/check-approval';
export type { ApprovalCheck, ApprovalContext, ApprovalOutcome } from '../libs/approvals/check-approval';
