// A directory of immutable files, each named by the SHA-256 of its bytes. Packages and join
// transport blobs live here; workflows carry only the digest, never the bytes.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '../digest';
import { ImmutableFileConflictError, writeImmutableFile } from '../durable-file';

export interface StoredBlob {
  /** SHA-256 of the bytes, lower-case hex: the file's name. */
  digest: string;
  size: number;
}

const DIGEST_PATTERN = /^[0-9a-f]{64}$/;

export class BlobNotFoundError extends Error {
  constructor(readonly digest: string) {
    super(`No blob ${digest} in the package store: it was never stored here or was removed; export the package again.`);
    this.name = 'BlobNotFoundError';
  }
}

/** The stored bytes no longer hash to their name: the file was changed after it was written. */
export class BlobDigestMismatchError extends Error {
  constructor(readonly digest: string) {
    super(`Blob ${digest} in the package store does not match its digest: it was altered on disk; export the package again.`);
    this.name = 'BlobDigestMismatchError';
  }
}

function assertDigest(digest: string): void {
  // The digest becomes a file name: refuse anything that could walk out of the directory.
  if (!DIGEST_PATTERN.test(digest)) throw new TypeError('A blob digest is 64 lower-case hex characters (SHA-256).');
}

export class PackageStore {
  constructor(readonly dir: string) {}

  pathOf(digest: string): string {
    assertDigest(digest);
    return join(this.dir, digest);
  }

  /** Stores the bytes (once: the same bytes twice give the same file) and returns their digest. */
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

  /** Reads a blob and checks that its bytes still hash to its name. */
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
}

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';
}
