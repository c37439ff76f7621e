// libs/secret-source: the one reader of `{env}` and `{file}` secret sources (members' PINs, the
// package store's S3 keys). Errors name the source and what to do, never a value.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeSecretSource, readSecret, SecretUnavailableError } from '../../libs/secret-source';

describe('readSecret', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keysync-secret-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a variable, and a file without its final newline', async () => {
    expect(await readSecret({ env: 'SECRET_A' }, 'The secret', { SECRET_A: 's3cr3t-value' })).toBe('s3cr3t-value');
    await writeFile(join(dir, 'secret'), 'from-a-file\n');
    expect(await readSecret({ file: join(dir, 'secret') }, 'The secret')).toBe('from-a-file');
  });

  it('names the variable or file that could not give the secret, and what to do', async () => {
    const unset = await readSecret({ env: 'SECRET_UNSET' }, 'The S3 secret access key', {}).catch((error: unknown) => error);
    expect(unset).toBeInstanceOf(SecretUnavailableError);
    expect((unset as Error).message).toBe('The S3 secret access key should be in environment variable SECRET_UNSET, which is not set: set it before starting this process.');

    const missing = await readSecret({ file: join(dir, 'absent') }, 'The PIN of token "n1"').catch((error: unknown) => error);
    expect((missing as Error).message).toMatch(/^The PIN of token "n1" should be in file .*absent, which cannot be read \(ENOENT\): check the path/);

    await writeFile(join(dir, 'empty'), '\n');
    const empty = await readSecret({ file: join(dir, 'empty') }, 'The PIN').catch((error: unknown) => error);
    expect((empty as Error).message).toMatch(/is empty: write the secret into it/);
  });

  it('describes a source by where it is, never by its value', () => {
    expect(describeSecretSource({ env: 'NAME' })).toBe('environment variable NAME');
    expect(describeSecretSource({ file: '/etc/keysync/s3.key' })).toBe('file /etc/keysync/s3.key');
  });
});
