import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImmutableFileConflictError, replaceFile, writeImmutableFile } from '../../libs/durable-file';

describe('durable files', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keysync-durable-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes an immutable file read-only, creating its directory, and leaves no temporary file', async () => {
    const path = join(dir, 'nested', 'blob');
    expect(await writeImmutableFile(path, Buffer.from('contents'))).toBe('written');
    expect(await readFile(path, 'utf8')).toBe('contents');
    expect((await stat(path)).mode & 0o777).toBe(0o440);
    expect(await readdir(join(dir, 'nested'))).toEqual(['blob']);
  });

  it('accepts the same bytes again as unchanged, also from writers racing for the name', async () => {
    const path = join(dir, 'blob');
    const outcomes = await Promise.all([1, 2, 3, 4].map(() => writeImmutableFile(path, Buffer.from('same'))));
    expect(outcomes.filter((outcome) => outcome === 'written')).toHaveLength(1);
    expect(await writeImmutableFile(path, Buffer.from('same'))).toBe('unchanged');
    expect(await readdir(dir)).toEqual(['blob']);
  });

  it('never overwrites an existing file that holds other bytes', async () => {
    const path = join(dir, 'blob');
    await writeImmutableFile(path, Buffer.from('first'));
    await expect(writeImmutableFile(path, Buffer.from('second'))).rejects.toBeInstanceOf(ImmutableFileConflictError);
    expect(await readFile(path, 'utf8')).toBe('first');
    expect(await readdir(dir)).toEqual(['blob']);
  });

  it('lets exactly one of two writers racing with different bytes win, without overwriting it', async () => {
    const path = join(dir, 'blob');
    const results = await Promise.allSettled([writeImmutableFile(path, Buffer.from('one')), writeImmutableFile(path, Buffer.from('two'))]);
    const won = results.findIndex((result) => result.status === 'fulfilled');
    const lost = results.find((result) => result.status === 'rejected');
    expect(won).toBeGreaterThanOrEqual(0);
    expect(lost?.reason).toBeInstanceOf(ImmutableFileConflictError);
    expect(await readFile(path, 'utf8')).toBe(won === 0 ? 'one' : 'two');
    expect(await readdir(dir)).toEqual(['blob']);
  });

  it('replaces a mutable file whole, leaving no temporary file', async () => {
    const path = join(dir, 'head.json');
    await replaceFile(path, '{"seq":1}');
    await replaceFile(path, '{"seq":2}');
    expect(await readFile(path, 'utf8')).toBe('{"seq":2}');
    expect(await readdir(dir)).toEqual(['head.json']);
  });
});
