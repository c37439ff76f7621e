// The S3 backend (DESIGN 15): members on separate hosts share a bucket, not a folder. Objects are
// content-addressed (key = prefix + SHA-256 hex) and immutable: a put is conditional
// (If-None-Match: *), so it never replaces an object, and what is already there is read back and
// checked. Every read is checked against its digest, so an object altered in the bucket is
// refused, never imported.
import type { S3Client } from '@aws-sdk/client-s3';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { newS3Client } from './s3-client';
import { sha256Hex } from '../digest';
import { BlobDigestMismatchError, BlobNotFoundError, PackageStoreUnavailableError } from './errors';
import { assertDigest } from './package-store';
import type { PackageStore, StoredBlob } from './package-store';
import { isAlreadyStored, isConcurrentWrite, isNoSuchKey, toStoreFault } from './s3-faults';

export interface S3StoreOptions {
  /** http(s)://host:port of the S3 API. */
  endpoint: string;
  region: string;
  bucket: string;
  /** Put before each digest to make the key; default none. */
  prefix?: string;
  /** Bucket in the path (http://host/bucket/key), as most S3 servers other than AWS need; default false. */
  forcePathStyle?: boolean;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** A down endpoint is reported within seconds, well inside an activity's heartbeat timeout. */
const CONNECT_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 120_000;
/** The SDK's own retries cover a blip; longer outages are retried by the workflow, visibly. */
const SDK_ATTEMPTS = 3;
const CONCURRENT_WRITE_RETRIES = 5;

export class S3PackageStore implements PackageStore {
  readonly location: string;
  /** ES-private, so logging or serializing the store never reaches the client and its credentials. */
  readonly #client: S3Client;
  private readonly target: { endpoint: string; bucket: string };
  private readonly prefix: string;

  constructor(options: S3StoreOptions) {
    this.prefix = options.prefix ?? '';
    this.target = { endpoint: options.endpoint, bucket: options.bucket };
    this.location = `s3://${options.bucket}/${this.prefix} at ${options.endpoint}`;
    this.#client = newS3Client({
      endpoint: options.endpoint,
      region: options.region,
      forcePathStyle: options.forcePathStyle ?? false,
      credentials: { ...options.credentials },
      maxAttempts: SDK_ATTEMPTS,
      requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
      // Reads are checked against their SHA-256 name below, which also catches what a stored
      // checksum would; the SDK's own check would turn an altered object into a transport error.
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  keyOf(digest: string): string {
    assertDigest(digest);
    return `${this.prefix}${digest}`;
  }

  async put(bytes: Uint8Array): Promise<StoredBlob> {
    const digest = sha256Hex(bytes);
    const key = this.keyOf(digest);
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.#client.send(
          new PutObjectCommand({
            Bucket: this.target.bucket,
            Key: key,
            Body: bytes,
            ContentType: 'application/octet-stream',
            // Never replaces an object: a key that exists fails with 412 instead.
            IfNoneMatch: '*',
            // The server checks the body against the digest it is named by, so a corrupted upload is refused.
            ChecksumSHA256: Buffer.from(digest, 'hex').toString('base64'),
          }),
        );
        return { digest, size: bytes.byteLength };
      } catch (error) {
        if (isConcurrentWrite(error) && attempt < CONCURRENT_WRITE_RETRIES) {
          await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
          continue;
        }
        if (!isAlreadyStored(error)) throw toStoreFault(error, this.target);
      }
      // An object is already under this digest: the same bytes make this put a no-op; other bytes
      // (altered in the bucket) are refused by get, and the object is left for an operator to see.
      await this.get(digest);
      return { digest, size: bytes.byteLength };
    }
  }

  async get(digest: string): Promise<Buffer> {
    const key = this.keyOf(digest);
    let bytes: Buffer;
    try {
      const answer = await this.#client.send(new GetObjectCommand({ Bucket: this.target.bucket, Key: key }));
      if (!answer.Body) throw new PackageStoreUnavailableError('server-error', `The S3 endpoint ${this.target.endpoint} answered a read of ${key} without a body: see the S3 server's log.`);
      bytes = Buffer.from(await answer.Body.transformToByteArray());
    } catch (error) {
      if (isNoSuchKey(error)) throw new BlobNotFoundError(digest, this.location);
      throw toStoreFault(error, this.target);
    }
    if (sha256Hex(bytes) !== digest) throw new BlobDigestMismatchError(digest, `in the bucket (${this.location})`);
    return bytes;
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }
}
