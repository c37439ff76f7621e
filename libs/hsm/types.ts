// The public vocabulary of libs/hsm. Everything here is safe to log and to put in a workflow
// history: references, labels, ids, fingerprints, check values. Never key bytes, never a PIN.
import type { WrapFormat } from '../contract/hsm-capabilities';
import type { SecretSource } from '../secret-source';

/** Where a member's PIN comes from: an environment variable or a file (libs/secret-source). Never the PIN itself. */
export type PinSource = SecretSource;

/** How to reach one member's token: by module path and token label, never by slot number. */
export interface TokenRef {
  pkcs11Module: string;
  tokenLabel: string;
  pin: PinSource;
  /**
   * Given to C_Initialize as its reserved argument, for modules configured that way (NSS softoken:
   * `configdir='sql:<dir>' certPrefix='' keyPrefix='' secmod='secmod.db' flags=`). Not a secret.
   */
  pkcs11LibraryParameters?: string;
  /**
   * Vendor mechanisms by the wrap format they implement (`{ 'aes-kwp': 0x80000171 }`), for modules
   * whose standard mechanisms are missing or mean something else: no code can discover that.
   */
  wrapMechanisms?: WrapMechanismOverrides;
}

/**
 * A member's own mechanism numbers for wrap formats, from its configuration; `'none'` takes a
 * format away from the member even where its module lists a mechanism for it (a vendor's
 * documented defect, a mechanism outside the HSM's certified boundary).
 */
export type WrapMechanismOverrides = Partial<Record<WrapFormat, number | 'none'>>;

// The key vocabulary that workflows, the API and the CLI share lives in libs/contract/keys.ts;
// libs/hsm builds those values from PKCS#11 objects.
import type { OaepHash } from '../contract/keys';

export type {
  CertificateFacts,
  ClusterSecretsKcv,
  Curve,
  ImportEntryOutcome,
  ImportResult,
  KeyClass,
  KeyDescription,
  KeyGroup,
  KeySelector,
  KeyType,
  KeyUsage,
  OaepHash,
  PackageEntrySummary,
  PackageRef,
} from '../contract/keys';

/** The public half of a joining token's RSA-3072 transport key. */
export interface TransportKeyInfo {
  /** SHA-256 of the SubjectPublicKeyInfo DER, hex: what approvers confirm, as on a PIN pad. */
  fingerprint: string;
  /** SubjectPublicKeyInfo DER: public, safe to store and carry. */
  publicKeyDer: Buffer;
  /** RSA-OAEP hashes the joining token can unwrap with, strongest first: the sponsor picks with chooseOaepHash. */
  oaepHashes: OaepHash[];
}

// The package's header and manifest belong to its codec, apart from PKCS#11.
export type { PackageHeader, PackageManifest } from '../package-format';
