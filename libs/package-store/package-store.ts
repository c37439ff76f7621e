// A store of immutable blobs, each named by the SHA-256 of its bytes: packages and join transport
// blobs. Workflows carry only the digest, never the bytes. Two backends (DESIGN 15): a directory
// (the embedded default) and an S3 bucket (members on separate hosts); createPackageStore picks one
// from the configuration.

export interface StoredBlob {
  /** SHA-256 of the bytes, lower-case hex: the blob's name. */
  digest: string;
  size: number;
}

export interface PackageStore {
  /** Where the blobs live, for log lines and errors: a folder, or s3://bucket/prefix at an endpoint. Never a credential. */
  readonly location: string;
  /**
   * Stores the bytes under their digest, once: the same bytes again change nothing. A blob already
   * there under that digest with other bytes (altered after it was written) is refused with
   * BlobDigestMismatchError and left as it is, for an operator to see.
   */
  put(bytes: Uint8Array): Promise<StoredBlob>;
  /** Reads a blob and checks that its bytes still hash to its name (BlobDigestMismatchError if not; BlobNotFoundError when absent). */
  get(digest: string): Promise<Buffer>;
  /** Releases connections; the store is not used after. */
  close(): Promise<void>;
}

const DIGEST_PATTERN = /^[0-9a-f]{64}$/;

/** The digest becomes a file name or an object key: refuse anything that could name something else. */
export function assertDigest(digest: string): void {
  if (!DIGEST_PATTERN.test(digest)) throw new TypeError('A blob digest is 64 lower-case hex characters (SHA-256).');
}
