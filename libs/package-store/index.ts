export { createPackageStore } from './create-package-store';
export { DirectoryPackageStore } from './directory-store';
export { BlobDigestMismatchError, BlobNotFoundError, PackageStoreUnavailableError } from './errors';
export type { PackageStoreFaultKind } from './errors';
export type { PackageStore, StoredBlob } from './package-store';
export type { PackageStoreConfig, S3PackageStoreConfig } from './package-store-config';
export { S3PackageStore } from './s3-store';
export type { S3StoreOptions } from './s3-store';
