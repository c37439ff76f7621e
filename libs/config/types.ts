// The configuration the stack runs on (DESIGN section 8). It names where secrets come from,
// never holds them: PINs by env variable or file, API tokens by SHA-256 hash.
import type { ApprovalPolicy, ApproverConfig, RetirePolicy, WebAuthnConfig } from '../contract/cluster';
import type { DriftMode } from '../contract/drift';
import type { PinSource, WrapMechanismOverrides } from '../hsm/types';
import type { PackageStoreConfig } from '../package-store/package-store-config';

export const roles = ['operator', 'approver', 'auditor', 'admin'] as const;
export type Role = (typeof roles)[number];

/** A member with its token: what a node agent needs to open it (module, label, PIN source). */
export interface MemberConfig {
  id: string;
  pkcs11Module: string;
  tokenLabel: string;
  pin: PinSource;
  /** Set in the process before the module loads (SOFTHSM2_CONF, KRYOPTIC_CONF, a vendor's variables). */
  environment?: Record<string, string>;
  /** Given to C_Initialize (NSS softoken: `configdir='sql:<dir>' ...`). */
  pkcs11LibraryParameters?: string;
  /** Vendor mechanisms by the wrap format they implement: `{ "aes-kwp": 0x80000171 }` (written "0x80000171" in the file). */
  wrapMechanisms?: WrapMechanismOverrides;
}

/**
 * A member as a cluster lists it. The orchestrator and the API need only its id, so a
 * configuration that runs no agent for it leaves its token out (all three fields, or none).
 */
export type ClusterMemberConfig = { id: string } & Partial<Omit<MemberConfig, 'id'>>;

/** True when the member's token is in the configuration, so an agent can run for it. */
export function hasToken(member: ClusterMemberConfig): member is MemberConfig {
  return member.pkcs11Module !== undefined && member.tokenLabel !== undefined && member.pin !== undefined;
}

// What workflows see of a cluster (approvers, policies) is contract vocabulary: one definition.
export type { ApprovalPolicy, ApproverConfig, RetirePolicy, WebAuthnConfig } from '../contract/cluster';
// The package store's section (a folder or an S3 bucket) is described beside the store.
export type { PackageStoreConfig, S3PackageStoreConfig } from '../package-store/package-store-config';

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
  /** Approvals of a retire and how long its recovery package is kept; absent: libs/contract/retire.ts defaults (2 approvals, 30 days). */
  retire?: RetirePolicy;
}

export interface ClusterConfig {
  id: string;
  founder: string;
  members: ClusterMemberConfig[];
  approvers: ApproverConfig[];
  policy: ClusterPolicy;
  /** Security key approvals (DESIGN 14): the relying party; absent, approvers sign with Ed25519 keys only. */
  webauthn?: WebAuthnConfig;
}

export interface PrincipalConfig {
  id: string;
  roles: Role[];
  /** SHA-256 of the bearer token, hex. The token itself is never stored. */
  tokenSha256: string;
}

/**
 * Mutual TLS to Temporal: this process's client certificate and key, and the CA that signed the
 * server's certificate (default: the system's trusted CAs). Paths of PEM files.
 */
export interface TemporalTlsConfig {
  caFile?: string;
  certFile: string;
  keyFile: string;
  /** The name the server's certificate must carry, when it is not the host of `address`. */
  serverName?: string;
}

export interface TemporalConfig {
  address: string;
  namespace: string;
  tls?: TemporalTlsConfig;
}

/** HTTPS for the API: its certificate (chain) and key, PEM files. */
export interface ApiTlsConfig {
  certFile: string;
  keyFile: string;
}

/** A receiver of operation events (DESIGN 14): posted by the orchestrator, signed with HMAC-SHA256 when it has a secret. */
export interface NotificationConfig {
  webhook: {
    url: string;
    /** A file holding the shared secret that signs each body (read when posting, never logged). */
    secretFile?: string;
  };
}

export interface KeySyncConfig {
  temporal: TemporalConfig;
  /**
   * SoftHSM2 only: the softhsm2.conf its members' tokens live under. A process that opens tokens
   * sets SOFTHSM2_CONF from it (applyModuleEnvironment) unless the environment already has one.
   */
  softhsm2Conf?: string;
  /** `publicUrl`: the API's origin as people reach it (the console's address, linked from notifications). */
  api: { port: number; tls?: ApiTlsConfig; publicUrl?: string };
  /** A folder every agent sees (`dir`), or an S3 bucket for members on separate hosts (`s3`). */
  packageStore: PackageStoreConfig;
  auditArchive: { dir: string };
  /**
   * Where a node agent keeps the write lock of its member's token, so two agent processes of one
   * member on a host never write at once. Default: a folder under the OS temp dir (host-wide).
   */
  locks?: { dir: string };
  clusters: ClusterConfig[];
  principals: PrincipalConfig[];
  /** Webhooks told when a member awaits approval and when an operation ends; absent: none. */
  notifications?: NotificationConfig[];
}

/** The member an agent configuration runs: its token and what its PKCS#11 module needs. */
export type AgentMemberConfig = MemberConfig;

/**
 * What one node agent on its own host needs (DESIGN 15): Temporal, the package store, its cluster's
 * id and its own member. No other member, no approver, no principal.
 */
export interface AgentConfig {
  temporal: TemporalConfig;
  packageStore: KeySyncConfig['packageStore'];
  locks?: { dir: string };
  agent: { cluster: string; member: AgentMemberConfig };
}

/** What a worker process accepts: a full configuration, or an agent configuration. */
export type WorkerConfig = KeySyncConfig | AgentConfig;

export function isAgentConfig(config: WorkerConfig): config is AgentConfig {
  return 'agent' in config;
}
