// The run's S3 server (versitygw, started by test/global-setup.ts) for any test file, and private
// ones for tests that stop theirs. Each test keeps apart by a prefix (or a bucket) of its own.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { PackageStoreConfig } from '../../libs/package-store';
import { startS3Server } from '../../libs/s3-server';
import type { S3Server } from '../../libs/s3-server';

export interface TestS3 {
  endpoint: string;
  region: string;
  bucket: string;
  /** The POSIX backend folder: object `key` of `bucket` is the file dataDir/bucket/key. */
  dataDir: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** Where global-setup exports the run's S3 root credentials, so a configuration can name them as {env} sources. */
export const TEST_S3_ENV = {
  accessKeyId: 'KEYSYNC_TEST_S3_ACCESS_KEY_ID',
  secretAccessKey: 'KEYSYNC_TEST_S3_SECRET_ACCESS_KEY',
} as const;

/** The run's versitygw. */
export function testS3(): TestS3 {
  return inject('s3');
}

/** A prefix no other test uses, ending in "/" so each test's objects are one folder of the backend. */
export function uniquePrefix(name = 't'): string {
  return `${name}-${randomBytes(4).toString('hex')}/`;
}

/** A package store configuration on `s3` under `prefix`, its keys named by `sources` (default: the run's variables). */
export function s3StoreConfig(s3: TestS3, prefix: string, sources?: Pick<Extract<PackageStoreConfig, { s3: unknown }>['s3'], 'accessKeyId' | 'secretAccessKey'>): PackageStoreConfig {
  return {
    s3: {
      endpoint: s3.endpoint,
      region: s3.region,
      bucket: s3.bucket,
      prefix,
      forcePathStyle: true,
      accessKeyId: sources?.accessKeyId ?? { env: TEST_S3_ENV.accessKeyId },
      secretAccessKey: sources?.secretAccessKey ?? { env: TEST_S3_ENV.secretAccessKey },
    },
  };
}

/** The backend file that holds object `key`. */
export function objectFile(s3: TestS3, key: string): string {
  return join(s3.dataDir, s3.bucket, key);
}

export interface PrivateS3 extends TestS3 {
  server: S3Server;
  /** Stops it (the objects stay in its folder). */
  stop(): Promise<void>;
  /** Starts it again on the same port and folder, as a restarted S3 service. */
  restart(): Promise<void>;
}

/**
 * A versitygw of the calling test's own, in `dir`, for tests that stop it. Its credentials are
 * written to files (0600) beside it; `sources` names them for a configuration.
 */
export async function startPrivateS3(dir: string, bucket = 'keysync-private'): Promise<PrivateS3 & { sources: { accessKeyId: { file: string }; secretAccessKey: { file: string } } }> {
  const dataDir = join(dir, 's3-data');
  const accessKeyId = `key${randomBytes(6).toString('hex')}`;
  const secretAccessKey = `secret${randomBytes(12).toString('hex')}`;
  mkdirSync(join(dir, 's3-keys'), { recursive: true });
  const sources = { accessKeyId: { file: join(dir, 's3-keys', 'access-key-id') }, secretAccessKey: { file: join(dir, 's3-keys', 'secret-access-key') } };
  writeFileSync(sources.accessKeyId.file, accessKeyId, { mode: 0o600 });
  writeFileSync(sources.secretAccessKey.file, secretAccessKey, { mode: 0o600 });
  const start = (port?: number): Promise<S3Server> => startS3Server({ dataDir, accessKeyId, secretAccessKey, buckets: [bucket], ...(port !== undefined ? { port } : {}) });
  const state: PrivateS3 & { sources: typeof sources } = {
    server: await start(),
    endpoint: '',
    region: 'us-east-1',
    bucket,
    dataDir,
    accessKeyId,
    secretAccessKey,
    sources,
    stop: () => state.server.stop(),
    async restart() {
      state.server = await start(state.server.port);
    },
  };
  state.endpoint = state.server.endpoint;
  state.region = state.server.region;
  return state;
}
