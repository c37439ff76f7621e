// Durable file writes for the stores that must survive a crash or a power cut (the package store,
// the audit archive): a reader sees either no file or the whole file, and once a write returns,
// the file and its directory entry are on disk.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A file that must never change is already there with other bytes: it was altered or misnamed. */
export class ImmutableFileConflictError extends Error {
  override readonly name = 'ImmutableFileConflictError';

  constructor(readonly path: string) {
    super(`${path} already exists with other contents; an immutable file is never overwritten.`);
  }
}

export interface DurableWriteOptions {
  /** Permission bits of the new file; read-only by default, since these files never change. */
  mode?: number;
}

/**
 * Writes `data` to `path` once: a temporary file (O_EXCL), fsync, a hard link to the final name,
 * fsync of the directory. Unlike rename, link never replaces an existing file, so two writers
 * racing for one name cannot overwrite each other. The same bytes already there: 'unchanged';
 * other bytes there: ImmutableFileConflictError, and the existing file is left as it is.
 */
export async function writeImmutableFile(path: string, data: Uint8Array, options: DurableWriteOptions = {}): Promise<'written' | 'unchanged'> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  if (await existingMatches(path, data)) return 'unchanged';
  const temp = await writeTempFile(path, data, options.mode ?? 0o440);
  try {
    await link(temp, path);
  } catch (error) {
    if (errorCode(error) === 'EEXIST' && (await existingMatches(path, data))) return 'unchanged';
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
  await fsyncPath(dir);
  return 'written';
}

/** Replaces `path` atomically with `data` (temporary file, fsync, rename, directory fsync). */
export async function replaceFile(path: string, data: Uint8Array | string, options: DurableWriteOptions = {}): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = await writeTempFile(path, data, options.mode ?? 0o640);
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await fsyncPath(dir);
}

/** Flushes a file, or a directory's entries (a rename or link is durable only after this). */
export async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A fresh temporary file next to `path` (same directory, so the final link or rename cannot cross devices), written and flushed. */
async function writeTempFile(path: string, data: Uint8Array | string, mode: number): Promise<string> {
  const temp = join(dirname(path), `.tmp-${basename(path)}-${randomBytes(6).toString('hex')}`);
  const handle = await open(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  return temp;
}

/** True when `path` holds exactly `data`, false when there is no file; other bytes: ImmutableFileConflictError. */
async function existingMatches(path: string, data: Uint8Array): Promise<boolean> {
  let existing: Buffer;
  try {
    existing = await readFile(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
  if (!existing.equals(data)) throw new ImmutableFileConflictError(path);
  return true;
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}
