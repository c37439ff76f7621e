// The one way a process gets its package store: from the configuration's `packageStore`. The S3
// keys are read from their sources here, once, when the process starts, so a missing variable or
// file stops it at start with the source named, instead of failing its first sync.
import type { PackageStoreConfig } from './package-store-config';
import { readSecret } from '../secret-source';
import { DirectoryPackageStore } from './directory-store';
import type { PackageStore } from './package-store';
import { S3PackageStore } from './s3-store';

export async function createPackageStore(config: PackageStoreConfig): Promise<PackageStore> {
  if ('dir' in config) return new DirectoryPackageStore(config.dir);
  const { accessKeyId, secretAccessKey, ...s3 } = config.s3;
  const credentials = {
    accessKeyId: await readSecret(accessKeyId, "The package store's S3 access key id (packageStore.s3.accessKeyId)"),
    secretAccessKey: await readSecret(secretAccessKey, "The package store's S3 secret access key (packageStore.s3.secretAccessKey)"),
  };
  return new S3PackageStore({ ...s3, credentials });
}
