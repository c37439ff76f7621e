// The activity contract between workflows/ and the node agents. Workflows import these as types
// only. Every input and output is a reference, a fingerprint, a check value or a count: never key
// bytes (wrapped or not) and never a PIN, because all of it is recorded in workflow histories.
import type {
  ClusterSecretsKcv,
  ImportResult,
  KeyGroup,
  KeySelector,
  OaepHash,
  PackageRef,
} from '../libs/hsm/types';
import type { ClusterSnapshot } from '../workflows/types';

export interface PackageEntrySummary {
  class: KeySelector['class'];
  id: string;
  label: string;
  fingerprint: string;
}

export interface ExportKeysInput {
  /** The workflow id of the operation, recorded in the package header's packageId/log lines. */
  operationId: string;
  keys: KeySelector[];
  ttlSeconds: number;
}

export interface ExportKeysResult {
  package: PackageRef;
  entries: PackageEntrySummary[];
  notExportable: KeySelector[];
}

export interface ImportPackageInput {
  operationId: string;
  package: PackageRef;
}

export interface TransportKeyResult {
  fingerprint: string;
  /** SubjectPublicKeyInfo DER, base64: public, safe in a history. */
  publicKeyDer: string;
}

export interface WrapSecretsForJoinInput {
  operationId: string;
  transportPublicKeyDer: string;
  /** The fingerprint the approvers confirmed; the sponsor refuses a key that does not match it. */
  transportFingerprint: string;
}

export interface WrapSecretsForJoinResult {
  /** Digest of the wrapped-secrets blob in the package store. */
  blob: PackageRef;
  oaepHash: OaepHash;
}

/** Activities of a node agent: registered on `keysync.<cluster>.<member>`, the only code that opens that member's HSM. */
export interface NodeAgentActivities {
  reportClusterSecrets(): Promise<ClusterSecretsKcv | null>;
  inventoryKeys(): Promise<KeyGroup[]>;
  exportKeys(input: ExportKeysInput): Promise<ExportKeysResult>;
  importPackage(input: ImportPackageInput): Promise<ImportResult>;
  createTransportKey(): Promise<TransportKeyResult>;
  wrapSecretsForJoin(input: WrapSecretsForJoinInput): Promise<WrapSecretsForJoinResult>;
  receiveClusterSecrets(input: { operationId: string; blob: PackageRef }): Promise<ClusterSecretsKcv>;
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
}
