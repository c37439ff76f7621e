export { BlobDigestMismatchError, BlobNotFoundError, PackageStore, sha256Hex } from './package-store';
export type { StoredBlob } from './package-store';
