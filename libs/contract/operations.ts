// What an operation (a keySync, a join, a standalone memberSync) reports: its state and each
// member's (DESIGN sections 5 and 7). Each list is the one source of its values: the workflows
// set them, the search attribute KeySyncState carries them, the API's DTOs enumerate them and
// the metrics label by them. A value never changes once released (histories record it).
import type { ApprovalStatus } from './approvals';
import type { WrapFormat } from './hsm-capabilities';
import type { KeyClass, KeyRef, NotExportableKey, OaepHash } from './keys';

/**
 * `repair`: a keySync of a member onto itself that removes identical surplus copies of its keys;
 * `retire`: a key destroyed on every member (DESIGN 13, libs/contract/retire.ts).
 */
export const operationKinds = ['sync', 'join', 'repair', 'retire'] as const;
export type OperationKind = (typeof operationKinds)[number];

export const operationStatuses = ['running', 'completed', 'failed', 'cancelled'] as const;
export type OperationStatus = (typeof operationStatuses)[number];

/**
 * DESIGN section 5: a member's state in one operation. A retire's member goes `destroying`,
 * `verifying`, then `retired` (the key group is gone from it) or `failed`.
 */
export const memberStates = ['pending', 'awaiting-approval', 'waiting-for-node', 'importing', 'verifying', 'in-sync', 'failed', 'destroying', 'retired'] as const;
export type MemberState = (typeof memberStates)[number];

/** The member states an operation never leaves. */
export const finalMemberStates: readonly MemberState[] = ['in-sync', 'failed', 'retired'];

/**
 * Why a member failed. The DESIGN's codes, plus `expired-package` (the package outlived its TTL:
 * a fresh sync is needed, which none of the others says) and `unsupported-mechanism` (DESIGN 16:
 * its token shares no wrap format with the source, or cannot hold some of the keys, or shares no
 * RSA-OAEP hash with a join's sponsor).
 */
export const memberFailureReasons = [
  'rejected',
  'approval-timeout',
  'conflict',
  'tampered-package',
  'wrong-cluster',
  'hsm-error',
  'cancelled',
  'expired-package',
  'unsupported-mechanism',
  'invalid-data',
] as const;
export type MemberFailureReason = (typeof memberFailureReasons)[number];

/** A key a member's token cannot hold (a curve it lacks, an RSA size outside its range, no HMAC): left out for that member alone. */
export interface UnsupportedKey extends KeyRef {
  reason: 'unsupported-mechanism';
  /** What the token lacks, e.g. "no EC curve P-521 (it has P-256, P-384)". */
  detail: string;
}

/**
 * A key that unwrapped on a member but failed its proof there (DESIGN 16: fingerprint, KCV or HMAC
 * check value): destroyed again at once, the member's other keys imported. Usually the two tokens'
 * mechanisms for the wrap format disagree (a vendor override stating the wrong format).
 */
export interface InvalidKey extends KeyRef {
  reason: 'invalid-data';
  /** Which proof failed, e.g. "its check value (KCV) on this token is 1a2b3c, not the package's 4d5e6f"; never key bytes. */
  detail: string;
}

/**
 * A token an operation used, as its agent reported it (DESIGN 16): who made it, and the mechanism
 * it used. Public facts for auditors; never key bytes or PINs.
 */
export interface TokenInUse {
  member: string;
  role: 'source' | 'target' | 'sponsor' | 'joining';
  manufacturer: string;
  model: string;
  /** The module as it names itself, with its version: "SoftHSM 2.6", "Kryoptic 1.5". */
  library: string;
  /** The wrap formats it can do, most preferred first. */
  wrapFormats: WrapFormat[];
  /** Its own mechanism (hex) for the operation's chosen wrap format; absent when it has none or none was chosen. */
  wrapMechanism?: string;
  /** A join's tokens: the RSA-OAEP hashes each accepts. */
  oaepHashes?: OaepHash[];
}

/** A target holds the same class + id with another fingerprint: never overwritten, reported. */
export interface KeyConflict {
  class: KeyClass;
  id: string;
  label: string;
  sourceFingerprint: string;
  /** What the member holds under that id, when its inventory showed it (fingerprints, comma-separated). */
  memberFingerprint?: string;
}

/** A key a sync would have updated (label, certificate) but the member's module refused the change. */
export interface NotUpdatedKey {
  class: KeyClass;
  id: string;
  label: string;
  reason: string;
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
  /** Keys the member held with another label or certificate, brought to the source's (drift state differs); absent in histories recorded before updates. */
  keysUpdated?: number;
  /** Keys whose update the member's module refused: they stay `differs` (reason says why); absent: none. */
  notUpdated?: NotUpdatedKey[];
  /** Identical surplus copies of key objects (key, public key, certificate) the import removed; absent: none. */
  copiesRemoved?: number;
  /** A retire's member: the token objects (key, public key, certificate) its destroy removed. */
  objectsDestroyed?: number;
  /** The memberSync that owns this member's audit record, when one was started. */
  workflowId?: string;
  /** Keys this member's token cannot hold: left out for it, the others imported (reason unsupported-mechanism). */
  unsupportedKeys?: UnsupportedKey[];
  /** Keys that unwrapped but failed their proof on this member: destroyed again, the others imported (reason invalid-data). */
  invalidKeys?: InvalidKey[];
}

/** One member's live state in an operation: the memberSync's `member-state` query and its result. */
export interface MemberStatus extends MemberSummary {
  workflowId: string;
  approvals: ApprovalStatus;
  conflicts: KeyConflict[];
  lastError?: LastError;
}

/**
 * The package an operation exported: what its approvers sign (the digest) and the keys it holds,
 * public facts only (class, CKA_ID, label, fingerprint).
 */
export interface OperationPackage {
  digest: string;
  keyCount: number;
  /** The package's keys, from the export's result (absent in operations recorded before it was kept). */
  keys?: KeyRef[];
}

/** An operation's state: the parent's `operation-state` query and its result. */
export interface OperationState {
  operationId: string;
  kind: OperationKind;
  cluster: string;
  requestedBy: string;
  reason: string;
  state: OperationStatus;
  /** A sentence for the operator, e.g. that there was nothing to do. */
  message?: string;
  package: OperationPackage | null;
  members: MemberSummary[];
  notExportable: NotExportableKey[];
  /** The package's wrap format, chosen over the source's and the targets' capabilities (absent: before formats were chosen, or nothing exported). */
  wrapFormat?: WrapFormat;
  /** The tokens the operation used, with the mechanism each maps the chosen format to (absent in operations started before capabilities were asked). */
  tokens?: TokenInUse[];
}

export const joinPhases = ['transport-key', 'approval', 'transfer-secrets', 'verify-secrets', 'sync-keys', 'done'] as const;
export type JoinPhase = (typeof joinPhases)[number];

export interface JoinState extends OperationState {
  kind: 'join';
  member: string;
  sponsor: string;
  phase: JoinPhase;
  transportFingerprint: string | null;
  approvals: ApprovalStatus;
  /** The child keySync that brings every key to the new member. */
  keySyncWorkflowId: string | null;
  /** The RSA-OAEP hash the sponsor wraps the cluster secrets with: SHA-256 when both tokens have it, else SHA-1 (absent in joins started before it was negotiated). */
  oaepHash?: OaepHash;
}
