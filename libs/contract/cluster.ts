// What a workflow knows of a cluster: member ids, approvers' public keys and approval policy,
// passed in its input so a replay never reads configuration. The configuration (libs/config)
// holds more (PIN sources, modules, token labels); libs/config/cluster-snapshot.ts maps it here.

export interface ApproverConfig {
  id: string;
  /** Ed25519 public key, 32 raw bytes in base64. */
  publicKey: string;
}

/**
 * The cluster's WebAuthn relying party (DESIGN 14): the RP id security keys are registered for and
 * the origins a browser may run a ceremony on (the console's). Absent: no security key approvals.
 */
export interface WebAuthnConfig {
  rpId: string;
  rpName?: string;
  origins: string[];
}

export interface ApprovalPolicy {
  /** M of the cluster's N registered approvers. 0 means no approval is asked. */
  approvals: number;
  /** How long to wait for them, in seconds, before the member fails with approval-timeout. */
  timeoutSeconds: number;
}

/** Approvals of a retire (DESIGN 13) and how long its recovery package is kept. */
export interface RetirePolicy extends ApprovalPolicy {
  /** Days the recovery package stays importable (its lifetime inside the package). */
  recoveryDays: number;
}

/** Approvals for a key sync: the cluster's default, overridden per member. */
export interface SyncApprovalPolicies {
  sync: ApprovalPolicy;
  members?: Record<string, ApprovalPolicy>;
}

/** The part of a cluster's configuration a workflow needs, passed in so replay never reads config. */
export interface ClusterSnapshot {
  id: string;
  members: string[];
  approvers: ApproverConfig[];
  policy: SyncApprovalPolicies & {
    join: ApprovalPolicy;
    parallelism: number;
    packageTtlSeconds: number;
    /** Absent in snapshots recorded before retires existed, and when the configuration keeps the defaults. */
    retire?: RetirePolicy;
  };
}

/**
 * The cluster of a keySync or join: its snapshot (what the API and `keysync sync --print-input`
 * pass), or only its id (the Temporal UI's small input), which the workflow resolves first through
 * the orchestrator's resolveCluster activity, so the snapshot it used is in its history either way.
 */
export type ClusterInput = ClusterSnapshot | string;

/**
 * The sync policy that applies to one member: its override, else the cluster's default. The API
 * (an uploaded package's memberSync) and keySync (each target's memberSync) both ask here.
 */
export function syncPolicyOf(policy: SyncApprovalPolicies, member: string): ApprovalPolicy {
  return policy.members?.[member] ?? policy.sync;
}
