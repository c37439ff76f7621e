// The vocabulary of the workflows: inputs, results, member states and approvals. Types only, so
// the worker, the API and the CLI can import it without pulling in workflow code. Everything here
// is recorded in workflow histories: references, fingerprints, digests, signatures and counts,
// never key bytes and never a PIN.
import type { PackageEntrySummary, TransportKeyResult } from '../activities/types';
import type { ApprovalPolicy, ApproverConfig } from '../libs/config/types';
import type { ApprovalRefusalCode } from '../libs/contract/approval-refusal-types';
import type { KeySelector, PackageRef } from '../libs/hsm/types';
import type { AgentTiming } from './timing';

export type { AgentTiming } from './timing';

/** DESIGN section 5: a member's state in one operation. */
export type MemberState =
  | 'pending'
  | 'awaiting-approval'
  | 'waiting-for-node'
  | 'importing'
  | 'verifying'
  | 'in-sync'
  | 'failed';

/**
 * Why a member failed. The DESIGN's codes, plus `expired-package` (the package outlived its TTL:
 * a fresh sync is needed, which none of the others says).
 */
export type MemberFailureReason =
  | 'rejected'
  | 'approval-timeout'
  | 'conflict'
  | 'tampered-package'
  | 'wrong-cluster'
  | 'hsm-error'
  | 'cancelled'
  | 'expired-package';

/** `repair`: a keySync of a member onto itself that removes identical surplus copies of its keys. */
export type OperationKind = 'sync' | 'join' | 'repair';
export type OperationStatus = 'running' | 'completed' | 'failed' | 'cancelled';
export type Decision = 'approve' | 'reject';

/** What an approver sends, by the API, the CLI or the Temporal UI (DESIGN section 6). */
export interface Approval {
  member: string;
  approverId: string;
  decision: Decision;
  /** Ed25519 signature (64 bytes, base64) over the operation's canonical challenge. */
  signature: string;
}

/** An approval the workflow accepted. */
export interface ApprovalRecord {
  approverId: string;
  decision: Decision;
  /** Workflow time, ISO 8601. */
  at: string;
  via: 'update' | 'signal' | 'join';
}

/** Why an approval was refused (libs/contract/approval-refusal-types.ts gives each its failure type). */
export type RefusalCode = ApprovalRefusalCode;

/** An approval the workflow refused (only signals leave this trace: an update is refused before history). */
export interface RefusedApproval {
  approverId: string;
  member: string;
  decision: Decision;
  code: RefusalCode;
  message: string;
  at: string;
}

/** Approvals of one member in one operation, as a query shows them. */
export interface ApprovalStatus {
  required: number;
  granted: ApprovalRecord[];
  refused: RefusedApproval[];
  /** When the wait ends in approval-timeout, ISO 8601; absent when nothing is awaited. */
  deadline?: string;
  /** Set when another operation's approvals cover this one (a join covers its key sync). */
  coveredBy?: string;
}

/** The key identity that matters across members: class + id + fingerprint. */
export interface KeyRef {
  class: KeySelector['class'];
  id: string;
  label: string;
  fingerprint: string;
}

/** A key that the source holds but cannot wrap (CKA_EXTRACTABLE false): reported, never packaged. */
export type NotExportableKey = KeyRef;

/** A target holds the same class + id with another fingerprint: never overwritten, reported. */
export interface KeyConflict {
  class: KeySelector['class'];
  id: string;
  label: string;
  sourceFingerprint: string;
  /** What the member holds under that id, when its inventory showed it (fingerprints, comma-separated). */
  memberFingerprint?: string;
}

export interface LastError {
  type: string;
  message: string;
}

/** What an operation reports about one member (DESIGN section 7's shape plus a detail). */
export interface MemberSummary {
  member: string;
  state: MemberState;
  reason?: MemberFailureReason;
  /** A sentence for the operator: what happened and what to do. Never secret. */
  detail?: string;
  keysImported: number;
  keysSkipped: number;
  /** Import attempts that an agent started (waiting on a down node does not count). */
  attempts: number;
  /** Identical surplus copies of key objects (key, public key, certificate) the import removed; absent: none. */
  copiesRemoved?: number;
  /** The memberSync that owns this member's audit record, when one was started. */
  workflowId?: string;
}

/** One member's live state in an operation: the memberSync's `state` query and its result. */
export interface MemberStatus extends MemberSummary {
  workflowId: string;
  approvals: ApprovalStatus;
  conflicts: KeyConflict[];
  lastError?: LastError;
}

/** An operation's state: the parent's `state` query and its result. */
export interface OperationState {
  operationId: string;
  kind: OperationKind;
  cluster: string;
  requestedBy: string;
  reason: string;
  state: OperationStatus;
  /** A sentence for the operator, e.g. that there was nothing to do. */
  message?: string;
  package: { digest: string; keyCount: number } | null;
  members: MemberSummary[];
  notExportable: NotExportableKey[];
}

/** The part of a cluster's configuration a workflow needs, passed in so replay never reads config. */
export interface ClusterSnapshot {
  id: string;
  members: string[];
  approvers: ApproverConfig[];
  policy: {
    sync: ApprovalPolicy;
    join: ApprovalPolicy;
    members?: Record<string, ApprovalPolicy>;
    parallelism: number;
    packageTtlSeconds: number;
  };
}

/** Approvals given by another operation that cover this one (a join's approvals cover its key sync). */
export interface PreApproval {
  member: string;
  operationId: string;
  approvals: ApprovalRecord[];
}

/**
 * The cluster of a keySync or join: its snapshot (what the API and `keysync sync --print-input`
 * pass), or only its id (the Temporal UI's small input), which the workflow resolves first through
 * the orchestrator's resolveCluster activity, so the snapshot it used is in its history either way.
 */
export type ClusterInput = ClusterSnapshot | string;

export interface KeySyncInput {
  cluster: ClusterInput;
  source: string;
  /** Default: every member except the source. */
  targets?: string[];
  /** CKA_IDs (hex) to sync; default: every key on the source. */
  keyIds?: string[];
  /**
   * Who asks, for the four-eyes rule (a requester never approves). The API sets it from the
   * caller's token; in an input typed in the Temporal UI it is whatever the operator typed, so
   * that path relies on who the Temporal UI lets start workflows (docs/temporal-ui.md).
   */
  requestedBy: string;
  reason: string;
  /** Set by the join workflow only: the API never passes it. */
  preApprovals?: PreApproval[];
  /**
   * A repair: the source is its own only target, the package holds exactly the keys it holds in
   * identical surplus copies, and the import (approved like any sync to it) removes those copies.
   */
  repair?: boolean;
  timing?: Partial<AgentTiming>;
}

export type KeySyncResult = OperationState;

export interface MemberSyncInput {
  cluster: string;
  member: string;
  /** The operation this member sync belongs to: the parent keySync's id, or its own id standalone. */
  operationId: string;
  requestedBy: string;
  reason: string;
  package: PackageRef;
  /** What the member must hold after the import: the package entries it lacked. */
  expected: PackageEntrySummary[];
  /** Conflicts already known from the plan: reported, never imported. */
  knownConflicts?: KeyConflict[];
  approvers: ApproverConfig[];
  policy: ApprovalPolicy;
  preApproval?: PreApproval;
  timing?: Partial<AgentTiming>;
  /** Set only by the workflow itself when it continues as new during a long wait for its node. */
  resume?: MemberSyncResume;
}

/** What a memberSync carries into its next run: approvals already decided, attempts, and how far it got. */
export interface MemberSyncResume {
  phase: 'import' | 'verify';
  status: MemberStatus;
}

export type MemberSyncResult = MemberStatus;

export type JoinPhase =
  | 'transport-key'
  | 'approval'
  | 'transfer-secrets'
  | 'verify-secrets'
  | 'sync-keys'
  | 'done';

export interface JoinInput {
  cluster: ClusterInput;
  member: string;
  sponsor: string;
  requestedBy: string;
  reason: string;
  timing?: Partial<AgentTiming>;
  /** Set only by the workflow itself when it continues as new after its approvals, during a long wait for a node. */
  resume?: JoinResume;
}

/** What a join carries into its next run once approved: the approvals and the transport key they approved. */
export interface JoinResume {
  approvals: ApprovalStatus;
  transport: TransportKeyResult;
}

export interface JoinState extends OperationState {
  kind: 'join';
  member: string;
  sponsor: string;
  phase: JoinPhase;
  transportFingerprint: string | null;
  approvals: ApprovalStatus;
  /** The child keySync that brings every key to the new member. */
  keySyncWorkflowId: string | null;
}

export type JoinResult = JoinState;

export interface ChallengeAnswer {
  /** The string to sign for decision approve; a rejection signs it with `reject` in place of `approve`. */
  challenge: string;
}
