// The vocabulary of drift watching (DESIGN section 5, driftWatch): how members differ, what a
// watch saw and what it started. Each list is the one source of its values for the workflows, the
// API's DTOs and the metrics' labels. Recorded in histories: ids, labels, fingerprints and counts.
import type { AgentTiming } from './agent-timing';
import type { ClusterSnapshot } from './cluster';
import type { CertificateFacts, KeyClass, KeyRef } from './keys';

export const driftModes = ['auto', 'alert', 'off'] as const;
export type DriftMode = (typeof driftModes)[number];

/**
 * How one member looked to a drift watch. `no-cluster-secrets` (a token that has not joined) and
 * `other-cluster` (transfer secrets that differ from the cluster's) are left out of the drift: a
 * sync could not reach them, and a join, not a key sync, is what they need.
 */
export const driftMemberStatuses = ['in-sync', 'lacking', 'unreachable', 'no-cluster-secrets', 'other-cluster'] as const;
export type DriftMemberStatus = (typeof driftMemberStatuses)[number];

/** `in-sync`: every member answered and holds the same keys; `unreachable`: no drift among those that answered. */
export const driftWatchStates = ['in-sync', 'drift', 'unreachable', 'off'] as const;
export type DriftWatchState = (typeof driftWatchStates)[number];

/** The principal recorded as requester of the syncs a drift watch starts: not an approver, so four eyes hold. */
export const driftWatchRequester = 'drift-watch';

/** One key across the cluster: who holds it, with which fingerprint, and who lacks it. */
export interface DriftEntry {
  class: KeyClass;
  id: string;
  label: string;
  holders: DriftHolder[];
  missingOn: string[];
  /** Members that hold it with identical surplus copies (drift state `duplicated`): a sync to them or a repair removes those. */
  duplicatedOn: string[];
  /**
   * Members hold different keys under the same class + id, or one member holds copies of it that
   * differ (another label, usages or extractability): an operator must decide.
   */
  conflicting: boolean;
  /**
   * Members that hold the same key (class, id and fingerprint) with another label or certificate
   * object than `reference` (drift state `differs`, libs/contract/key-differences.ts). Absent in
   * results recorded before differences were compared.
   */
  differsOn?: string[];
  /** The holder the others are compared with: the newest certificate, then the most common label. */
  reference?: string;
}

/** One member's copy of a key: label and certificate absent in results recorded before differences were compared. */
export interface DriftHolder {
  member: string;
  fingerprint: string;
  exportable: boolean;
  label?: string;
  hasCertificate?: boolean;
  certificate?: CertificateFacts;
  otherCertificates?: number;
}

export interface DriftMemberView {
  member: string;
  status: DriftMemberStatus;
  /** Key groups on the member; null when its agent did not answer. */
  keyCount: number | null;
  /** Keys other members hold that this one lacks (conflicts not counted). */
  missingCount: number;
  /** Keys this member holds with another label or certificate than the reference (drift state differs); absent in results recorded before. */
  differsCount?: number;
}

/** A keySync a drift watch (or an availability request) asked for. */
export interface DriftSyncRequest {
  source: string;
  keyIds: string[];
  targets: string[];
}

export interface StartedDriftSync extends DriftSyncRequest {
  operationId: string;
  /** False when the same sync (same source, keys and targets) was still running from an earlier run. */
  started: boolean;
}

export interface DriftWatchInput {
  cluster: ClusterSnapshot;
  /** The cluster's policy.drift.mode when the schedule was written. */
  mode: DriftMode;
  /** Recorded as requestedBy of the syncs it starts (default driftWatchRequester). */
  requestedBy?: string;
  /** Tests shorten the probe: a member down is reported after nodeProbeSeconds, once. */
  timing?: Partial<AgentTiming>;
}

export interface DriftWatchResult {
  cluster: string;
  mode: DriftMode;
  state: DriftWatchState;
  /** Workflow time at the start of the run, ISO 8601: when this drift was seen. */
  checkedAt: string;
  members: DriftMemberView[];
  /** Keys not held identically by every member that answered (see workflows/plan.ts computeDrift). */
  drift: DriftEntry[];
  /** Same class + id, different keys: never synced, an operator decides. */
  conflicts: DriftEntry[];
  /** Missing somewhere, but no holder can wrap it (CKA_EXTRACTABLE false): never synced. */
  notExportable: KeyRef[];
  /** Syncs started (mode auto) to close the gap. */
  syncs: StartedDriftSync[];
  /**
   * Keys retired through KeySync (a standing tombstone) still found on a member: left out of
   * `drift`, so never synced back. Absent in results recorded before retires existed.
   */
  retired?: DriftEntry[];
}
