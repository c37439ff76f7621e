// The shape of a keysync.ksp/1 package (DESIGN section 4): header, entries, trailer.
import type { KeyDescription, KeyUsage, PackageEntrySummary } from '../contract/keys';

export const PACKAGE_FORMAT = 'keysync.ksp/1';
export const WRAP_MECHANISM = 'CKM_AES_KEY_WRAP_PAD';

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
  wrapMechanism: typeof WRAP_MECHANISM;
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
