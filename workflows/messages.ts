// Moved to libs/contract: re-exported here until every importer reads it from there.
export { approveSignal, approveUpdate, challengeQuery, memberStateQuery, operationStateQuery } from '../libs/contract/messages';
export type { ApprovalAccepted } from '../libs/contract/approvals';
export { approvalWorkflowId, joinWorkflowId, keySyncWorkflowId, memberSyncWorkflowId } from '../libs/contract/workflow-ids';
