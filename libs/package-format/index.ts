// The keysync.ksp/2 package codec (DESIGN section 4) and canonical JSON: pure, no HSM and no
// native module, so the API and the CLI can read packages without loading PKCS#11. libs/hsm adds
// the MAC, the checks against a token and the wrapping on top.
export { canonicalJson } from './canonical-json';
export { decodePackage } from './decode-package';
export { encodePackage, macInput, manifestOf, packageDigest, summarizeEntry } from './encode-package';
export { PackageRejectedError } from './package-rejected-error';
export type { PackageRejectionReason } from './package-rejected-error';
export { LEGACY_PACKAGE_FORMAT, PACKAGE_FORMAT } from './package-types';
export type { PackageBody, PackageEntry, PackageFile, PackageHeader, PackageManifest } from './package-types';
