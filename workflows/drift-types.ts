// The vocabulary of drift watching and the availability gate: inputs and results of driftWatch and
// keyAvailability. Types only, so the worker, the API, the metrics and the CLI import it without
// pulling in workflow code. Recorded in histories: ids, labels, fingerprints and counts, never key
// bytes and never a PIN.
import type { DriftEntry } from './plan';
import type { AgentTiming, ClusterSnapshot, KeyRef } from './types';

export type DriftMode = 'auto' | 'alert' | 'off';

/**
 * How one member looked to a drift watch. `no-cluster-secrets` (a token that has not joined) and
 * `other-cluster` (transfer secrets that differ from the cluster's) are left out of the drift: a
 * sync could not reach them, and a join, not a key sync, is what they need.
 */
export type DriftMemberStatus = 'in-sync' | 'lacking' | 'unreachable' | 'no-cluster-secrets' | 'other-cluster';

export interface DriftMemberView {
  member: string;
  status: DriftMemberStatus;
  /** Key groups on the member; null when its agent did not answer. */
  keyCount: number | null;
  /** Keys other members hold that this one lacks (conflicts not counted). */
  missingCount: number;
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

/** `in-sync`: every member answered and holds the same keys; `unreachable`: no drift among those that answered. */
export type DriftWatchState = 'in-sync' | 'drift' | 'unreachable' | 'off';

export interface DriftWatchInput {
  cluster: ClusterSnapshot;
  /** The cluster's policy.drift.mode when the schedule was written. */
  mode: DriftMode;
  /** Recorded as requestedBy of the syncs it starts: not an approver, so four eyes hold. */
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
}

/** Where a key is, as the availability gate reports it per member. */
export type KeyPresence = 'present' | 'missing' | 'different' | 'unreachable';

export interface KeyAvailabilityInput {
  cluster: ClusterSnapshot;
  /** CKA_ID, lower-case hex. */
  keyId: string;
  /** How long to wait for the key to be on every member; 0 answers at once. */
  waitSeconds: number;
  /** Start a keySync from a holder to the members that lack the key (the API allows it to operators only). */
  sync: boolean;
  requestedBy: string;
  timing?: Partial<AgentTiming>;
}

export interface KeyAvailabilityResult {
  cluster: string;
  keyId: string;
  /** The key is on every member, with the same fingerprint. */
  available: boolean;
  members: { member: string; presence: KeyPresence }[];
  /** Members that lack the key, or hold another under its id, or did not answer. */
  lacking: string[];
  /** Members hold different keys under this id: no sync is started, an operator decides. */
  conflicting: boolean;
  /** The key is somewhere but no holder can wrap it. */
  notExportable: boolean;
  /** The keySync started (or found running) for this request. */
  operationId: string | null;
  /** Seconds between the request and the answer (workflow time). */
  waitedSeconds: number;
  /** A sentence for the caller when the key is not available: why and what to do. */
  message?: string;
}
