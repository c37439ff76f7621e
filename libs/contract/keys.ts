// The key vocabulary every process shares: how a key is described, selected and referred to on
// every member. Everything here is safe to log and to put in a workflow history: references,
// labels, ids, fingerprints, check values and counts. Never key bytes, never a PIN. libs/hsm
// builds these from PKCS#11 objects; workflows, the API and the CLI only read them.

export const keyClasses = ['private', 'secret'] as const;
export type KeyClass = (typeof keyClasses)[number];

export const keyTypes = ['rsa', 'ec', 'aes', 'generic-secret'] as const;
export type KeyType = (typeof keyTypes)[number];

export const curves = ['P-256', 'P-384', 'P-521'] as const;
export type Curve = (typeof curves)[number];

export const keyUsages = ['sign', 'verify', 'encrypt', 'decrypt', 'wrap', 'unwrap', 'derive'] as const;
export type KeyUsage = (typeof keyUsages)[number];

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

/** A certificate object as inventories compare it: SHA-256 of its DER (hex) and its notBefore (ISO 8601; empty when unreadable). */
export interface CertificateFacts {
  fingerprint: string;
  notBefore: string;
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
  /**
   * Private keys: the certificate object with this id (the newest, by notBefore, when there are
   * several different ones). Absent when there is none, and in inventories recorded before
   * certificates were compared (hasCertificate then says whether there is one).
   */
  certificate?: CertificateFacts;
  /**
   * Certificate objects with this id that differ from `certificate` (an older one a crashed
   * replacement left behind): the group then differs, and a sync removes them. Absent: none.
   */
  otherCertificates?: number;
}

/** Selects a key group on a token. */
export interface KeySelector {
  class: KeyClass;
  id: string;
}

/** The key identity that matters across members: class + id + fingerprint (and its label, for people). */
export interface KeyRef {
  class: KeyClass;
  id: string;
  label: string;
  fingerprint: string;
}

/** A key that the source holds but cannot wrap (CKA_EXTRACTABLE false): reported, never packaged. */
export type NotExportableKey = KeyRef;

/** Check values of the cluster transfer secrets: they identify the cluster without revealing it. */
export interface ClusterSecretsKcv {
  ktkKcv: string;
  pmkKcv: string;
}

export const oaepHashes = ['sha256', 'sha1'] as const;
export type OaepHash = (typeof oaepHashes)[number];

/** Reference to a package in the package store: what workflows carry instead of the bytes. */
export interface PackageRef {
  digest: string;
  size: number;
  keyCount: number;
}

/** What a package holds about one key, without its wrapped bytes: safe to log and to show. */
export type PackageEntrySummary = Pick<KeyGroup, keyof KeyDescription | 'hasPublicKey' | 'hasCertificate'>;

export const importOutcomes = ['imported', 'skipped', 'conflict', 'invalid-data', 'unsupported-mechanism', 'updated', 'not-updated'] as const;
/**
 * imported: created now; skipped: already there, identical; conflict: same id, other key, left
 * alone; invalid-data: unwrapped but not proven to be the package's key (fingerprint, KCV or HMAC
 * check value differ), so destroyed again, or an EC key found present whose signature does not
 * verify under the package's public key, left in place and not counted: the others are unaffected;
 * unsupported-mechanism: this token cannot hold that key (a curve it lacks, an RSA size outside its
 * range, no HMAC), so it was not unwrapped (another target of the sync needed it); updated: already
 * there and brought to the package's label and/or certificate (an update the import was asked for);
 * not-updated: already there, but the module refused the change (reason says which), left as it was.
 */
export type ImportOutcome = (typeof importOutcomes)[number];

export interface ImportEntryOutcome {
  class: KeyClass;
  id: string;
  label: string;
  fingerprint: string;
  outcome: ImportOutcome;
  /** Identical surplus copies of this key's objects that the import removed (absent: none). */
  copiesRemoved?: number;
  /** Objects of this class and id without key material, left by a create killed inside the HSM module, that the import destroyed before unwrapping (absent: none). */
  incompleteRemoved?: number;
  /** invalid-data: which proof failed (names check values and fingerprints, never key bytes); unsupported-mechanism: what the token lacks; not-updated: what the module refused. */
  reason?: string;
  /** updated: what changed (label, certificate). */
  changed?: ('label' | 'certificate')[];
}

/**
 * Which keys already on a member an import brings to the package's label and certificate (drift
 * state differs, DESIGN 13), and which of the two it may change. Keys not listed are left as they are.
 */
export interface KeyUpdateRequest {
  labels: boolean;
  certificates: boolean;
  keys: KeySelector[];
}

export interface ImportResult {
  packageDigest: string;
  entries: ImportEntryOutcome[];
  imported: number;
  skipped: number;
  conflicts: number;
  /** Identical surplus copies removed, over all entries (absent in histories recorded before repairs existed). */
  copiesRemoved?: number;
  /** Leftovers without key material destroyed, over all entries (absent: none). */
  incompleteRemoved?: number;
  /** Entries whose unwrapped key failed its proof and was destroyed (absent: none). */
  invalidData?: number;
  /** True when shouldStop ended the import between two key groups; entries lists only those handled. */
  stopped?: boolean;
  /** Entries brought to the package's label or certificate (absent: no update was asked). */
  updated?: number;
  /** Entries whose update the module refused (absent: none). */
  notUpdated?: number;
}
