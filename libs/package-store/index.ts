export { BlobDigestMismatchError, BlobNotFoundError, PackageStore } from './package-store';
export type { StoredBlob } from './package-store';
