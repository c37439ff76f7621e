import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../libs/digest';
import { BlobDigestMismatchError, BlobNotFoundError, PackageStore } from '../../libs/package-store';

describe('PackageStore', () => {
  let dir: string;
  let store: PackageStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keysync-store-'));
    store = new PackageStore(join(dir, 'packages'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names a stored blob by the SHA-256 of its bytes and returns the same bytes', async () => {
    const bytes = Buffer.from('a package, byte for byte');
    const stored = await store.put(bytes);
    expect(stored).toEqual({ digest: sha256Hex(bytes), size: bytes.length });
    expect(await store.has(stored.digest)).toBe(true);
    expect(await store.get(stored.digest)).toEqual(bytes);
    expect(await readdir(store.dir)).toEqual([stored.digest]);
  });

  it('stores the same bytes once and leaves no temporary file behind', async () => {
    const bytes = Buffer.from('same bytes');
    const [first, second] = await Promise.all([store.put(bytes), store.put(bytes)]);
    expect(first).toEqual(second);
    expect(await readdir(store.dir)).toEqual([first.digest]);
  });

  it('refuses a blob whose bytes were changed on disk after it was stored', async () => {
    const { digest } = await store.put(Buffer.from('original'));
    const path = store.pathOf(digest);
    await chmod(path, 0o640);
    await writeFile(path, 'altered');
    await expect(store.get(digest)).rejects.toBeInstanceOf(BlobDigestMismatchError);
  });

  it('does not store over a blob that was altered on disk, and leaves the altered file for an operator to see', async () => {
    const bytes = Buffer.from('original');
    const { digest } = await store.put(bytes);
    const path = store.pathOf(digest);
    await chmod(path, 0o640);
    await writeFile(path, 'altered');
    await expect(store.put(bytes)).rejects.toBeInstanceOf(BlobDigestMismatchError);
    expect(await readdir(store.dir)).toEqual([digest]);
  });

  it('reports a digest it never stored as not found', async () => {
    const digest = sha256Hex(Buffer.from('never stored'));
    expect(await store.has(digest)).toBe(false);
    await expect(store.get(digest)).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it('refuses a digest that is not 64 hex characters, so no path can escape the directory', async () => {
    await expect(store.get('../../etc/passwd')).rejects.toThrow(/64 lower-case hex/);
    await expect(store.has('ABC')).rejects.toThrow(/64 lower-case hex/);
  });
});
