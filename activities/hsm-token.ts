// What a node agent needs from an open token (libs/hsm). Kept as a narrow interface so the agent
// depends on these calls only.
import type { ClusterSecretsKcv, ImportResult, KeyGroup, KeySelector, OaepHash, TransportKeyInfo } from '../libs/hsm/types';

export interface ExportedPackage {
  bytes: Uint8Array;
  entries: Pick<KeyGroup, 'class' | 'id' | 'label' | 'fingerprint'>[];
  notExportable: KeySelector[];
}

export interface ImportOptions {
  clusterId: string;
  expectedDigest: string;
  onProgress?: (done: number, total: number) => void;
  shouldStop?: () => boolean;
}

export interface Token {
  clusterSecretsKcv(): Promise<ClusterSecretsKcv | null>;
  inventory(): Promise<KeyGroup[]>;
  exportPackage(input: { clusterId: string; sourceMember: string; keys: KeySelector[]; ttlSeconds: number }): Promise<ExportedPackage>;
  importPackage(bytes: Uint8Array, options: ImportOptions): Promise<ImportResult>;
  createTransportKey(): Promise<TransportKeyInfo>;
  wrapClusterSecretsForTransport(publicKeyDer: Uint8Array): Promise<{ blob: Uint8Array; oaepHash: OaepHash }>;
  unwrapClusterSecretsFromTransport(blob: Uint8Array): Promise<ClusterSecretsKcv>;
  close(): Promise<void>;
}
