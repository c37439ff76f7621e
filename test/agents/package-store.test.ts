// The package store's contract, run against both backends: the directory, and S3 on the run's real
// versitygw. Content-addressed and immutable: a blob is named by its SHA-256, stored once, never
// replaced, and checked against its name on every read. Then what only S3 has: its faults, each
// typed and saying what to check, with no credential in any message.
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../libs/config/ports';
import { sha256Hex } from '../../libs/digest';
import { BlobDigestMismatchError, BlobNotFoundError, createPackageStore, DirectoryPackageStore, PackageStoreUnavailableError } from '../../libs/package-store';
import type { PackageStore, PackageStoreConfig } from '../../libs/package-store';
import { SecretUnavailableError } from '../../libs/secret-source';
import { objectFile, s3StoreConfig, testS3, uniquePrefix } from '../support/s3';

/** One backend as the contract suite drives it. */
interface Backend {
  store: PackageStore;
  /** Replaces the stored bytes behind the store's back, as someone with access to the folder or bucket could. */
  alter(digest: string, bytes: Buffer): Promise<void>;
  /** The names of what the backend holds: one per stored blob, and nothing else (no temporary file). */
  stored(): Promise<string[]>;
  close(): Promise<void>;
}

async function directoryBackend(): Promise<Backend> {
  const dir = await mkdtemp(join(tmpdir(), 'keysync-store-'));
  const store = new DirectoryPackageStore(join(dir, 'packages'));
  return {
    store,
    async alter(digest, bytes) {
      await chmod(store.pathOf(digest), 0o640);
      await writeFile(store.pathOf(digest), bytes);
    },
    stored: () => readdir(store.dir),
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

async function s3Backend(): Promise<Backend> {
  const s3 = testS3();
  const prefix = uniquePrefix('contract');
  const store = await createPackageStore(s3StoreConfig(s3, prefix));
  return {
    store,
    // Through versitygw's backend folder: a file changed on the S3 server's disk.
    alter: (digest, bytes) => writeFile(objectFile(s3, `${prefix}${digest}`), bytes),
    stored: () => readdir(objectFile(s3, prefix)),
    close: () => store.close(),
  };
}

describe.each([
  { backend: 'directory', make: directoryBackend },
  { backend: 'S3 (versitygw)', make: s3Backend },
])('package store contract: $backend', ({ make }) => {
  let backend: Backend;
  let store: PackageStore;

  beforeEach(async () => {
    backend = await make();
    store = backend.store;
  });
  afterEach(async () => {
    await backend.close();
  });

  it('names a stored blob by the SHA-256 of its bytes and returns the same bytes', async () => {
    const bytes = Buffer.from('a package, byte for byte');
    const stored = await store.put(bytes);
    expect(stored).toEqual({ digest: sha256Hex(bytes), size: bytes.length });
    expect(await store.get(stored.digest)).toEqual(bytes);
    expect(await backend.stored()).toEqual([stored.digest]);
  });

  it('stores the same bytes once: a second put, even a concurrent one, is a no-op', async () => {
    const bytes = Buffer.from('same bytes');
    const [first, second] = await Promise.all([store.put(bytes), store.put(bytes)]);
    expect(first).toEqual(second);
    expect(await store.put(bytes)).toEqual(first);
    expect(await backend.stored()).toEqual([first.digest]);
    expect(await store.get(first.digest)).toEqual(bytes);
  });

  it('refuses a blob whose bytes were changed after it was stored', async () => {
    const { digest } = await store.put(Buffer.from('original'));
    await backend.alter(digest, Buffer.from('altered'));
    await expect(store.get(digest)).rejects.toBeInstanceOf(BlobDigestMismatchError);
  });

  it('refuses to store over a blob that was altered, and leaves the altered one for an operator to see', async () => {
    const bytes = Buffer.from('original');
    const { digest } = await store.put(bytes);
    await backend.alter(digest, Buffer.from('altered'));
    await expect(store.put(bytes)).rejects.toBeInstanceOf(BlobDigestMismatchError);
    expect(await backend.stored()).toEqual([digest]);
    await expect(store.get(digest)).rejects.toBeInstanceOf(BlobDigestMismatchError);
  });

  it('reports a digest it never stored as not found', async () => {
    await expect(store.get(sha256Hex(Buffer.from('never stored')))).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it('refuses a digest that is not 64 hex characters, so no name can reach outside the store', async () => {
    await expect(store.get('../../etc/passwd')).rejects.toThrow(/64 lower-case hex/);
    await expect(store.get('ABC')).rejects.toThrow(/64 lower-case hex/);
  });
});

describe('directory store', () => {
  it('knows which blobs it holds', async () => {
    const backend = await directoryBackend();
    const store = backend.store as DirectoryPackageStore;
    try {
      const { digest } = await store.put(Buffer.from('held'));
      expect(await store.has(digest)).toBe(true);
      expect(await store.has(sha256Hex(Buffer.from('not held')))).toBe(false);
      await expect(store.has('ABC')).rejects.toThrow(/64 lower-case hex/);
    } finally {
      await backend.close();
    }
  });
});

describe('S3 store faults (on the run\'s versitygw)', () => {
  const s3 = testS3();
  const secrets = [s3.secretAccessKey, s3.accessKeyId];
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keysync-s3-faults-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A store made from a configuration whose keys are in files of this test. */
  async function storeWith(overrides: { endpoint?: string; bucket?: string; accessKeyId?: string; secretAccessKey?: string }): Promise<PackageStore> {
    const base = s3StoreConfig(s3, uniquePrefix('faults'));
    if (!('s3' in base)) throw new Error('expected an S3 configuration');
    const keyFile = join(dir, `key-${Math.random().toString(16).slice(2)}`);
    const secretFile = `${keyFile}.secret`;
    await writeFile(keyFile, overrides.accessKeyId ?? s3.accessKeyId);
    await writeFile(secretFile, overrides.secretAccessKey ?? s3.secretAccessKey);
    const config: PackageStoreConfig = {
      s3: { ...base.s3, ...(overrides.endpoint ? { endpoint: overrides.endpoint } : {}), ...(overrides.bucket ? { bucket: overrides.bucket } : {}), accessKeyId: { file: keyFile }, secretAccessKey: { file: secretFile } },
    };
    return createPackageStore(config);
  }

  async function faultOf(action: Promise<unknown>): Promise<PackageStoreUnavailableError> {
    const error = await action.then(() => null, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(PackageStoreUnavailableError);
    return error as PackageStoreUnavailableError;
  }

  function expectNoCredential(error: Error, ...more: string[]): void {
    const text = `${error.message} ${JSON.stringify(error)} ${String(error.stack)}`;
    for (const secret of [...secrets, ...more]) expect(text).not.toContain(secret);
  }

  it('refuses an object overwritten through the S3 API itself, as tampered', async () => {
    const prefix = uniquePrefix('overwrite');
    const store = await createPackageStore(s3StoreConfig(s3, prefix));
    const client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    try {
      const bytes = Buffer.from('the package as exported');
      const { digest } = await store.put(bytes);
      // An unconditional put: what someone holding the bucket's keys could do.
      await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${prefix}${digest}`, Body: Buffer.from('a package with one entry changed') }));
      const error = await store.get(digest).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BlobDigestMismatchError);
      expect((error as Error).message).toContain('altered in the bucket');
      await expect(store.put(bytes)).rejects.toBeInstanceOf(BlobDigestMismatchError);
    } finally {
      client.destroy();
      await store.close();
    }
  });

  it('wrong credentials: access denied, saying what to check, without the secret', async () => {
    const wrongSecret = `wrong${'x'.repeat(30)}`;
    const store = await storeWith({ secretAccessKey: wrongSecret });
    try {
      const onPut = await faultOf(store.put(Buffer.from('refused')));
      expect(onPut).toMatchObject({ kind: 'access-denied', retryable: true });
      expect(onPut.message).toContain(s3.endpoint);
      expect(onPut.message).toContain(`bucket "${s3.bucket}"`);
      expect(onPut.message).toMatch(/check the package store's credentials/);
      expectNoCredential(onPut, wrongSecret);
      const onGet = await faultOf(store.get(sha256Hex(Buffer.from('refused'))));
      expect(onGet.kind).toBe('access-denied');
      expectNoCredential(onGet, wrongSecret);
    } finally {
      await store.close();
    }
  });

  it('a missing bucket: named in the message, with what to do', async () => {
    const store = await storeWith({ bucket: 'no-such-bucket-here' });
    try {
      const error = await faultOf(store.put(Buffer.from('nowhere to go')));
      expect(error).toMatchObject({ kind: 'bucket-missing', retryable: true });
      expect(error.message).toContain('bucket "no-such-bucket-here" does not exist');
      expect(error.message).toContain('create it, or correct packageStore.s3.bucket');
      expectNoCredential(error);
    } finally {
      await store.close();
    }
  });

  it('an endpoint that is down: a retryable error naming the endpoint', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const store = await storeWith({ endpoint });
    try {
      const error = await faultOf(store.get(sha256Hex(Buffer.from('anything'))));
      expect(error).toMatchObject({ kind: 'unreachable', retryable: true });
      expect(error.message).toContain(`S3 endpoint ${endpoint} cannot be reached (ECONNREFUSED)`);
      expectNoCredential(error);
      expect((await faultOf(store.put(Buffer.from('anything')))).kind).toBe('unreachable');
    } finally {
      await store.close();
    }
  });

  it('a key source that gives nothing stops the store at creation, naming the source, and its location holds no credential', async () => {
    const config = s3StoreConfig(s3, uniquePrefix('sources'), { accessKeyId: { env: 'KEYSYNC_TEST_NO_SUCH_S3_KEY' }, secretAccessKey: { file: join(dir, 'absent') } });
    const error = await createPackageStore(config).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect((error as Error).message).toContain('packageStore.s3.accessKeyId');
    expect((error as Error).message).toContain('KEYSYNC_TEST_NO_SUCH_S3_KEY');

    const store = await createPackageStore(s3StoreConfig(s3, 'loc/'));
    try {
      expect(store.location).toBe(`s3://${s3.bucket}/loc/ at ${s3.endpoint}`);
      expect(JSON.stringify(store)).not.toContain(s3.secretAccessKey);
    } finally {
      await store.close();
    }
  });
});
