// Moved to libs/contract: re-exported here until every importer reads it from there.
export type { AgentTiming } from '../libs/contract/agent-timing';
export type { Approval, ApprovalRecord, ApprovalStatus, ChallengeAnswer, Decision, PreApproval, RefusalCode, RefusedApproval } from '../libs/contract/approvals';
export type { ClusterInput, ClusterSnapshot } from '../libs/contract/cluster';
export type { KeyRef, NotExportableKey } from '../libs/contract/keys';
export type { JoinInput, JoinResult, JoinResume, KeySyncInput, KeySyncResult, MemberSyncInput, MemberSyncResult, MemberSyncResume } from '../libs/contract/operation-inputs';
export type {
  JoinPhase,
  JoinState,
  KeyConflict,
  LastError,
  MemberFailureReason,
  MemberState,
  MemberStatus,
  MemberSummary,
  OperationKind,
  OperationState,
  OperationStatus,
} from '../libs/contract/operations';
