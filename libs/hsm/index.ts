// The HSM layer (DESIGN 3, 4, 11): PKCS#11 over pkcs11js, tokens found by label, key groups,
// cluster transfer secrets, and keysync.ksp/2 packages.
export * from './types';
export * from './errors';
export * from './softhsm';
export { findKryopticModule, KRYOPTIC_VERSION, requireKryopticModule } from './kryoptic';
export { findNssSoftokenModule, requireNssSoftokenModule } from './nss-softoken';
export { hsmImplementations, implementationUnavailable, provisionTokens } from './provision-tokens';
export type { HsmImplementation, ProvisionedModule, TokenToProvision } from './provision-tokens';
export { openToken } from './open-token';
export type { Token, GenerateKeySpec, DestroyedKeyGroup } from './token';
export type { RetiredKey } from './retire-group';
export type { ExportOptions, ExportResult } from './package/export-package';
export type { VerifyOptions } from './package/verify-package';
export type { ImportOptions } from './package/import-package';
export { LEGACY_PACKAGE_FORMAT, PACKAGE_FORMAT, canonicalJson, decodePackage, encodePackage, macInput, manifestOf, packageDigest, summarizeEntry } from '../package-format';
export type { PackageBody, PackageEntry, PackageFile, PackageHeader } from '../package-format';
export { TRANSPORT_FORMAT } from './transport-blob';
export { negotiateOaepHash } from './join-oaep-hash';
