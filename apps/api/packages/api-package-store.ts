// The package store as Nest injects it: an interface is no injection token, so this abstract
// class stands for libs/package-store's PackageStore (a folder or an S3 bucket, from the configuration).
import type { PackageStore, StoredBlob } from '../../../libs/package-store';

export abstract class ApiPackageStore implements PackageStore {
  abstract readonly location: string;
  abstract put(bytes: Uint8Array): Promise<StoredBlob>;
  abstract get(digest: string): Promise<Buffer>;
  abstract close(): Promise<void>;
}
