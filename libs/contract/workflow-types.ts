// Each workflow's wire name (DESIGN section 5) and what it takes and returns. The worker registers
// the workflows under these names (workflows/index.ts checks each export against its signature
// here); the API, the CLI, the drift schedules and auditors start and find them by these names,
// typed by these signatures, without importing workflow code. A name is recorded in every
// history: it never changes once released.
import type { ClusterInventoryInput, ClusterInventoryResult } from './cluster-inventory';
import type { Credential, CredentialStoreInput } from './credentials';
import type { DriftWatchInput, DriftWatchResult } from './drift';
import type { KeyAvailabilityInput, KeyAvailabilityResult } from './key-availability';
import type { NotifyInput, NotifyResult } from './notifications';
import type { JoinInput, JoinResult, KeySyncInput, KeySyncResult, MemberSyncInput, MemberSyncResult } from './operation-inputs';
import type { MemberRetireInput, MemberRetireResult, RetireInput, RetireResult, TombstoneInput, TombstoneResult } from './retire';

export const workflowTypes = {
  keySync: 'keySync',
  memberSync: 'memberSync',
  join: 'join',
  archiveHistory: 'archiveHistory',
  driftWatch: 'driftWatch',
  keyAvailability: 'keyAvailability',
  clusterInventory: 'clusterInventory',
  retire: 'retire',
  memberRetire: 'memberRetire',
  tombstone: 'tombstone',
  notify: 'notify',
  approverCredentials: 'approverCredentials',
} as const;

export type WorkflowType = (typeof workflowTypes)[keyof typeof workflowTypes];

export interface ArchiveHistoryInput {
  workflowId: string;
  runId: string;
}

export type KeySyncWorkflow = (input: KeySyncInput) => Promise<KeySyncResult>;
export type MemberSyncWorkflow = (input: MemberSyncInput) => Promise<MemberSyncResult>;
export type JoinWorkflow = (input: JoinInput) => Promise<JoinResult>;
export type ArchiveHistoryWorkflow = (input: ArchiveHistoryInput) => Promise<{ digest: string }>;
export type DriftWatchWorkflow = (input: DriftWatchInput) => Promise<DriftWatchResult>;
export type KeyAvailabilityWorkflow = (input: KeyAvailabilityInput) => Promise<KeyAvailabilityResult>;
export type ClusterInventoryWorkflow = (input: ClusterInventoryInput) => Promise<ClusterInventoryResult>;
export type RetireWorkflow = (input: RetireInput) => Promise<RetireResult>;
export type MemberRetireWorkflow = (input: MemberRetireInput) => Promise<MemberRetireResult>;
export type TombstoneWorkflow = (input: TombstoneInput) => Promise<TombstoneResult>;
export type NotifyWorkflow = (input: NotifyInput) => Promise<NotifyResult>;
/** Runs as long as its cluster; its records are only ever read by query. */
export type ApproverCredentialsWorkflow = (input: CredentialStoreInput) => Promise<Credential[]>;

/** The signature of each workflow, by wire name: what the worker's workflow module must export. */
export interface WorkflowSignatures {
  keySync: KeySyncWorkflow;
  memberSync: MemberSyncWorkflow;
  join: JoinWorkflow;
  archiveHistory: ArchiveHistoryWorkflow;
  driftWatch: DriftWatchWorkflow;
  keyAvailability: KeyAvailabilityWorkflow;
  clusterInventory: ClusterInventoryWorkflow;
  retire: RetireWorkflow;
  memberRetire: MemberRetireWorkflow;
  tombstone: TombstoneWorkflow;
  notify: NotifyWorkflow;
  approverCredentials: ApproverCredentialsWorkflow;
}
