// The shape of a keysync.ksp/2 package (DESIGN sections 4 and 16): header, entries, trailer.
//
// Why /2 and a refusal of /1, rather than reading both: a /1 entry names a mechanism number
// (CKM_AES_KEY_WRAP_PAD), and that number is RFC 5649 on SoftHSM but RFC 3394 over PKCS#7 on NSS,
// so a /1 file cannot say what format its keys are in; and a /1 generic secret carries no HMAC
// check value, so it could not be proven after unwrap. A /2 entry names its format (`aes-kwp`) and
// carries that proof, and the MAC covers both, so the two versions cannot share a name. Nothing
// long-lived is lost: a package is made for one sync and expires (24 h by default), and a /1 file
// is refused as unsupported-format with the remedy, exporting it again, before anything is read.
import type { WrapFormat } from '../contract/hsm-capabilities';
import type { KeyDescription, KeyUsage, PackageEntrySummary } from '../contract/keys';

export const PACKAGE_FORMAT = 'keysync.ksp/2';
/** The version before wrap formats: recognised only to refuse it with its own message. */
export const LEGACY_PACKAGE_FORMAT = 'keysync.ksp/1';

/** A package's header: who made it for which cluster, until when, under which secrets. */
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

export interface PackageEntry extends KeyDescription {
  usages: KeyUsage[];
  /** SubjectPublicKeyInfo DER, base64. */
  publicKeyDer?: string;
  /** X.509 certificate DER, base64. */
  certificateDer?: string;
  /** The key wrapped under the KTK, base64. */
  wrappedKey: string;
  /** How wrappedKey was made: each token maps the format to its own mechanism. */
  wrapFormat: WrapFormat;
  /** Generic secrets only: HMAC-SHA256 by the key over a fixed label, first 8 bytes, hex, computed in the source HSM; proves the unwrapped key. */
  hmacCheckValue?: string;
}

/** What the MAC covers. */
export interface PackageBody {
  header: PackageHeader;
  entries: PackageEntry[];
}

export interface PackageFile extends PackageBody {
  trailer: { mac: string };
}

/** A verified package's header and contents, without any key bytes. */
export interface PackageManifest extends PackageHeader {
  /** SHA-256 of the file bytes, hex: the package's name in the store. */
  digest: string;
  size: number;
  keyCount: number;
  entries: PackageEntrySummary[];
}
