// What the configuration says about the package store (DESIGN 15): a folder every agent sees, or
// an S3 bucket whose keys come from secret sources, like a member's PIN. libs/config checks it
// (read-package-store.ts); createPackageStore builds the store from it.
import type { SecretSource } from '../secret-source';

export interface S3PackageStoreConfig {
  /** http(s)://host[:port] of the S3 API. */
  endpoint: string;
  region: string;
  bucket: string;
  /** Put before each digest to make an object key; default none. */
  prefix?: string;
  /** The bucket in the URL's path (http://host/bucket/key), as most S3 servers other than AWS need; default false. */
  forcePathStyle?: boolean;
  accessKeyId: SecretSource;
  secretAccessKey: SecretSource;
}

export type PackageStoreConfig = { dir: string } | { s3: S3PackageStoreConfig };
