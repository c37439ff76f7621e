// The configuration the stack runs on (DESIGN section 8). It names where secrets come from,
// never holds them: PINs by env variable or file, API tokens by SHA-256 hash.
import type { ApprovalPolicy, ApproverConfig } from '../contract/cluster';
import type { DriftMode } from '../contract/drift';
import type { PinSource } from '../hsm/types';

export type Role = 'operator' | 'approver' | 'auditor' | 'admin';

export interface MemberConfig {
  id: string;
  pkcs11Module: string;
  tokenLabel: string;
  pin: PinSource;
}

// What workflows see of a cluster (approvers, policies) is contract vocabulary: one definition.
export type { ApprovalPolicy, ApproverConfig } from '../contract/cluster';

export interface ClusterPolicy {
  /** Approvals for a key sync, per target member (default for every member). */
  sync: ApprovalPolicy;
  /** Approvals for a join (bound to the joining token's transport key fingerprint). */
  join: ApprovalPolicy;
  /** Per-member overrides of the sync policy. */
  members?: Record<string, ApprovalPolicy>;
  /** How many members a key sync imports to at once. */
  parallelism: number;
  /** Package lifetime in seconds (default 24 h). */
  packageTtlSeconds: number;
  drift: { mode: DriftMode; intervalSeconds: number };
}

export interface ClusterConfig {
  id: string;
  founder: string;
  members: MemberConfig[];
  approvers: ApproverConfig[];
  policy: ClusterPolicy;
}

export interface PrincipalConfig {
  id: string;
  roles: Role[];
  /** SHA-256 of the bearer token, hex. The token itself is never stored. */
  tokenSha256: string;
}

export interface KeySyncConfig {
  temporal: { address: string; namespace: string };
  /**
   * SoftHSM2 only: the softhsm2.conf its members' tokens live under. A process that opens tokens
   * sets SOFTHSM2_CONF from it (applySoftHsmEnvironment) unless the environment already has one.
   */
  softhsm2Conf?: string;
  api: { port: number };
  packageStore: { dir: string };
  auditArchive: { dir: string };
  /**
   * Where a node agent keeps the write lock of its member's token, so two agent processes of one
   * member on a host never write at once. Default: a folder under the OS temp dir (host-wide).
   */
  locks?: { dir: string };
  clusters: ClusterConfig[];
  principals: PrincipalConfig[];
}
