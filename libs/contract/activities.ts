// The activity contract between the workflows and the worker: the node agent's activities (on
// `keysync.<cluster>.<member>`, the only code that opens that member's HSM) and the orchestrator's
// (on `keysync`). Workflows proxy these interfaces; activities/ implements them. Every input and
// output is a reference, a fingerprint, a check value or a count: never key bytes (wrapped or
// not) and never a PIN, because all of it is recorded in workflow histories.
import type { ClusterSnapshot } from './cluster';
import type { ApproverCredentials } from './credentials';
import type { TokenCapabilities, WrapFormat } from './hsm-capabilities';
import type { ClusterSecretsKcv, ImportResult, KeyGroup, KeyRef, KeySelector, KeyUpdateRequest, OaepHash, PackageRef } from './keys';
import type { OperationEvent, WebhookRef } from './notifications';
import type { DestroyKeyGroupInput, DestroyKeyGroupResult, RetiredKeysInput, Tombstone } from './retire';
import type { SurveyTokenInput, TokenSurvey } from './token-survey';

export interface ExportKeysInput {
  /** The workflow id of the operation, recorded in the package header's packageId/log lines. */
  operationId: string;
  keys: KeySelector[];
  ttlSeconds: number;
  /** The format the source and every target share (chooseWrapFormat over the members' capabilities); absent: the source's preferred one. */
  wrapFormat?: WrapFormat;
}

export interface ExportKeysResult {
  package: PackageRef;
  /** The format every entry is wrapped in (absent in histories recorded before formats existed). */
  wrapFormat?: WrapFormat;
  /** What the package holds, key by key: what each target must hold after its import. */
  entries: KeyRef[];
  notExportable: KeySelector[];
}

export interface ImportPackageInput {
  operationId: string;
  package: PackageRef;
  /** Keys the member holds that the import brings to the package's label and certificate (absent: none). */
  update?: KeyUpdateRequest;
  /**
   * Read the member's inventory of the package's keys once the import is done and return it with
   * the result: the verification's input without a second round trip to the agent (absent: not read).
   */
  inventoryAfter?: boolean;
}

/** An import's result, with the groups of the package's key ids read after it when the input asked (`inventoryAfter`). */
export type ImportPackageResult = ImportResult & { inventoryAfter?: KeyGroup[] };

export interface TransportKeyResult {
  fingerprint: string;
  /** SubjectPublicKeyInfo DER, base64: public, safe in a history. */
  publicKeyDer: string;
  /** RSA-OAEP hashes the joining token can unwrap with, strongest first (absent in histories recorded before the join negotiated its hash). */
  oaepHashes?: OaepHash[];
}

export interface WrapSecretsForJoinInput {
  operationId: string;
  transportPublicKeyDer: string;
  /** The fingerprint the approvers confirmed; the sponsor refuses a key that does not match it. */
  transportFingerprint: string;
  /**
   * The join's OAEP hash, when the workflow chose it (chooseOaepHash of both tokens' capabilities).
   * Absent: the sponsor chooses from `joiningOaepHashes` (TransportKeyResult.oaepHashes); when that
   * is absent too (a join started before hashes were negotiated), the sponsor's strongest.
   */
  oaepHash?: OaepHash;
  joiningOaepHashes?: OaepHash[];
}

export interface WrapSecretsForJoinResult {
  /** Digest of the wrapped-secrets blob in the package store. */
  blob: PackageRef;
  oaepHash: OaepHash;
}

export interface ReceiveClusterSecretsInput {
  operationId: string;
  blob: PackageRef;
}

/** Activities of a node agent: registered on `keysync.<cluster>.<member>`, the only code that opens that member's HSM. */
export interface NodeAgentActivities {
  reportClusterSecrets(): Promise<ClusterSecretsKcv | null>;
  /** The token's identity and what it supports: the sync's pre-flight picks a wrap format from these, the join an OAEP hash. */
  reportCapabilities(): Promise<TokenCapabilities>;
  inventoryKeys(): Promise<KeyGroup[]>;
  /** The three above in one call (one round trip where a workflow asks all of them of a member). */
  surveyToken(input: SurveyTokenInput): Promise<TokenSurvey>;
  exportKeys(input: ExportKeysInput): Promise<ExportKeysResult>;
  importPackage(input: ImportPackageInput): Promise<ImportPackageResult>;
  createTransportKey(): Promise<TransportKeyResult>;
  wrapSecretsForJoin(input: WrapSecretsForJoinInput): Promise<WrapSecretsForJoinResult>;
  receiveClusterSecrets(input: ReceiveClusterSecretsInput): Promise<ClusterSecretsKcv>;
  /**
   * A retire's destroy on this member, inside its write lock: the certificate(s), then the key,
   * then the public key, so a retry after a crash finds what is left by its identity and finishes.
   * Fails with type `conflict` (touching nothing) when the member holds another key under that id.
   */
  destroyKeyGroup(input: DestroyKeyGroupInput): Promise<DestroyKeyGroupResult>;
}

/** Activities of the orchestrator, on queue `keysync`. */
export interface OrchestratorActivities {
  /** Copies a closed workflow's history into the append-only audit archive. */
  archiveHistory(input: { workflowId: string; runId?: string }): Promise<{ digest: string }>;
  /**
   * The snapshot of a cluster in the worker's configuration, for a workflow started with a cluster
   * id (the Temporal UI path): recorded as this activity's result, so a replay reads the history,
   * not the configuration. An unknown id fails non-retryably with type `unknown-cluster`.
   */
  resolveCluster(clusterId: string): Promise<ClusterSnapshot>;
  /** The standing tombstones of the given keys (workflows/tombstone-workflow.ts): what a drift watch and a sync honour. */
  retiredKeys(input: RetiredKeysInput): Promise<Tombstone[]>;
  /** The webhooks of the worker's configuration (`notifications`), by id and origin: none when it lists none. */
  notificationWebhooks(): Promise<WebhookRef[]>;
  /**
   * Posts the event to one webhook, signed when it has a secret. Retryable: a network error, a 5xx,
   * 408, 429. Non-retryable, type `webhook-refused`: a 3xx or another 4xx; type `webhook-gone`: the
   * webhook is no longer in the configuration.
   */
  postNotification(input: { event: OperationEvent; webhook: WebhookRef }): Promise<{ status: number }>;
  /**
   * What security key approvals of this cluster are checked against: its relying party from the
   * worker's configuration and the credentials an admin confirmed in its store (approverCredentials).
   */
  approverCredentials(input: { cluster: string }): Promise<ApproverCredentials>;
}
