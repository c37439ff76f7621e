// The public vocabulary of libs/hsm. Everything here is safe to log and to put in a workflow
// history: references, labels, ids, fingerprints, check values. Never key bytes, never a PIN.

/** Where a member's PIN comes from: an environment variable or a file. Never the PIN itself. */
export type PinSource = { env: string } | { file: string };

/** How to reach one member's token: by module path and token label, never by slot number. */
export interface TokenRef {
  pkcs11Module: string;
  tokenLabel: string;
  pin: PinSource;
}

export type KeyClass = 'private' | 'secret';
export type KeyType = 'rsa' | 'ec' | 'aes' | 'generic-secret';
export type Curve = 'P-256' | 'P-384' | 'P-521';
export type KeyUsage = 'sign' | 'verify' | 'encrypt' | 'decrypt' | 'wrap' | 'unwrap' | 'derive';

/** What describes a key the same way on every member: in inventories, packages and their summaries. */
export interface KeyDescription {
  class: KeyClass;
  keyType: KeyType;
  /** Bits for RSA (modulus) and secret keys; absent for EC (see curve). */
  size?: number;
  curve?: Curve;
  label: string;
  /** CKA_ID, lower-case hex. */
  id: string;
  /** SHA-256 of the SubjectPublicKeyInfo DER (hex) for RSA/EC; the KCV (hex) for secret keys. */
  fingerprint: string;
}

/**
 * One key as an application sees it: the private or secret key and, sharing its CKA_ID, the
 * public key and certificate objects. Identity across members = class + id + fingerprint.
 */
export interface KeyGroup extends KeyDescription {
  usages: KeyUsage[];
  hasPublicKey: boolean;
  hasCertificate: boolean;
  /** False when CKA_EXTRACTABLE is false: listed as not-exportable, never packaged. */
  exportable: boolean;
  /**
   * Surplus identical objects of this group on the token (key, public key or certificate copies,
   * left by writers that raced before KeySync serialized them): what a repair removes. Absent: none.
   */
  duplicates?: number;
}

/** Selects a key group on a token. */
export interface KeySelector {
  class: KeyClass;
  id: string;
}

/** Check values of the cluster transfer secrets: they identify the cluster without revealing it. */
export interface ClusterSecretsKcv {
  ktkKcv: string;
  pmkKcv: string;
}

/** The public half of a joining token's RSA-3072 transport key. */
export interface TransportKeyInfo {
  /** SHA-256 of the SubjectPublicKeyInfo DER, hex: what approvers confirm, as on a PIN pad. */
  fingerprint: string;
  /** SubjectPublicKeyInfo DER: public, safe to store and carry. */
  publicKeyDer: Buffer;
}

export type OaepHash = 'sha256' | 'sha1';

/** Reference to a package in the package store: what workflows carry instead of the bytes. */
export interface PackageRef {
  digest: string;
  size: number;
  keyCount: number;
}

export interface ImportEntryOutcome {
  class: KeyClass;
  id: string;
  label: string;
  fingerprint: string;
  /** imported: created now; skipped: already there, identical; conflict: same id, other key, left alone. */
  outcome: 'imported' | 'skipped' | 'conflict';
  /** Identical surplus copies of this key's objects that the import removed (absent: none). */
  copiesRemoved?: number;
}

export interface ImportResult {
  packageDigest: string;
  entries: ImportEntryOutcome[];
  imported: number;
  skipped: number;
  conflicts: number;
  /** Identical surplus copies removed, over all entries (absent in histories recorded before repairs existed). */
  copiesRemoved?: number;
  /** True when shouldStop ended the import between two key groups; entries lists only those handled. */
  stopped?: boolean;
}

/** What a package holds about one key, without its wrapped bytes: safe to log and to show. */
export type PackageEntrySummary = Pick<KeyGroup, keyof KeyDescription | 'hasPublicKey' | 'hasCertificate'>;

/** A package's header (format keysync.ksp/1): who made it for which cluster, until when, under which secrets. */
export interface PackageHeader {
  format: string;
  packageId: string;
  clusterId: string;
  sourceMember: string;
  createdAt: string;
  expiresAt: string;
  ktkKcv: string;
  pmkKcv: string;
}

/** A verified package's header and contents, without any key bytes. */
export interface PackageManifest extends PackageHeader {
  /** SHA-256 of the file bytes, hex: the package's name in the store. */
  digest: string;
  size: number;
  keyCount: number;
  entries: PackageEntrySummary[];
}
