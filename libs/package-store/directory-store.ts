// The directory backend: one immutable file per blob, named by its digest, written crash-safe by
// libs/durable-file. The embedded default; every agent must see the same directory.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '../digest';
import { ImmutableFileConflictError, writeImmutableFile } from '../durable-file';
import { BlobDigestMismatchError, BlobNotFoundError } from './errors';
import { assertDigest } from './package-store';
import type { PackageStore, StoredBlob } from './package-store';

export class DirectoryPackageStore implements PackageStore {
  constructor(readonly dir: string) {}

  get location(): string {
    return this.dir;
  }

  pathOf(digest: string): string {
    assertDigest(digest);
    return join(this.dir, digest);
  }

  async put(bytes: Uint8Array): Promise<StoredBlob> {
    const digest = sha256Hex(bytes);
    try {
      await writeImmutableFile(this.pathOf(digest), bytes);
    } catch (error) {
      // The file named by this digest holds other bytes: it was altered after it was written.
      if (error instanceof ImmutableFileConflictError) throw new BlobDigestMismatchError(digest);
      throw error;
    }
    return { digest, size: bytes.byteLength };
  }

  async get(digest: string): Promise<Buffer> {
    const path = this.pathOf(digest);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      if (isNotFound(error)) throw new BlobNotFoundError(digest);
      throw error;
    }
    if (sha256Hex(bytes) !== digest) throw new BlobDigestMismatchError(digest);
    return bytes;
  }

  async has(digest: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(digest))).isFile();
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async close(): Promise<void> {}
}

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';
}
