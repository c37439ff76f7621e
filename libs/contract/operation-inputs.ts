// The inputs and results of the operations' workflows: keySync, memberSync and join (DESIGN
// section 5). Recorded in every history: references, fingerprints, digests and counts, never key
// bytes and never a PIN. The API and the CLI build the inputs; the workflows check them with the
// same rules (request-rules.ts).
import type { TransportKeyResult } from './activities';
import type { AgentTiming } from './agent-timing';
import type { ApprovalStatus, PreApproval } from './approvals';
import type { ApprovalPolicy, ApproverConfig, ClusterInput } from './cluster';
import type { KeyRef, PackageRef } from './keys';
import type { JoinState, KeyConflict, MemberStatus, OperationState, UnsupportedKey } from './operations';
import type { SurveyedMember } from './token-survey';

export interface KeySyncInput {
  cluster: ClusterInput;
  source: string;
  /** Default: every member except the source (see syncTargets). */
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
  /**
   * Set by a drift watch (`drift`) or an availability request (`avail`) for the syncs they start
   * by themselves: such a sync never brings back a retired key. Only an operator's sync naming the
   * key in keyIds restores it (and lifts its tombstone).
   */
  automatic?: 'drift' | 'avail';
  /**
   * Set by a drift watch or an availability request only (refused in a sync no workflow started):
   * what its survey just saw of these members, standing in for their pre-flight calls. The check
   * values are judged and the plan made from it exactly as from the sync's own calls.
   */
  surveyed?: SurveyedMember[];
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
  expected: KeyRef[];
  /** Conflicts already known from the plan: reported, never imported. */
  knownConflicts?: KeyConflict[];
  /** Keys the member's token cannot hold (from the pre-flight's capabilities): not expected, reported as unsupported-mechanism. */
  unsupportedKeys?: UnsupportedKey[];
  /**
   * Keys the member holds with another label or certificate than the source (drift state
   * differs): the import brings them to the source's, and the verify checks it. Absent: none.
   */
  update?: MemberKeyUpdates;
  approvers: ApproverConfig[];
  policy: ApprovalPolicy;
  preApproval?: PreApproval;
  timing?: Partial<AgentTiming>;
  /** Set only by the workflow itself when it continues as new during a long wait for its node. */
  resume?: MemberSyncResume;
  /** A caller waits on the operation's end (the availability gate): the history's archiving starts first, not last. Absent: last. */
  archiveFirst?: boolean;
}

/** What a memberSync updates: which of label and certificate, and for each key the source's label and certificate fingerprint. */
export interface MemberKeyUpdates {
  labels: boolean;
  certificates: boolean;
  keys: KeyUpdateTarget[];
}

/** A key to update: its identity and the source's label; `certificate` the source's certificate fingerprint when the certificate is updated. */
export interface KeyUpdateTarget extends KeyRef {
  certificate?: string;
}

/** What a memberSync carries into its next run: approvals already decided, attempts, and how far it got. */
export interface MemberSyncResume {
  phase: 'import' | 'verify';
  status: MemberStatus;
}

export type MemberSyncResult = MemberStatus;

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

export type JoinResult = JoinState;
