// The member write lock on its own: writers of one token take turns in one process and across
// processes, a writer that gives up never blocks those behind it, and a holder killed outright
// (SIGKILL, no clean-up) loses the lock once it is stale.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createMemberWriteLock } from '../../activities/member-write-lock';
import type { MemberWriteLock } from '../../activities/member-write-lock';

const dir = mkdtempSync(join(tmpdir(), 'keysync-lock-'));
const holderScript = join(__dirname, 'fixtures', 'hold-write-lock.ts');
const children: ChildProcess[] = [];
let labels = 0;
const token = (): { pkcs11Module: string; tokenLabel: string } => ({ pkcs11Module: 'test-module', tokenLabel: `token-${process.pid}-${(labels += 1)}` });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Another process that takes the token's write lock; resolves once it holds it. */
async function holdInAnotherProcess(tokenLabel: string, staleMs: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', holderScript, dir, tokenLabel, String(staleMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('held')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`the lock holder exited (${code}) before holding the lock`)));
  });
  return child;
}

/**
 * A writer that holds `lock` until released. Resolves once it holds the lock (run() takes it
 * asynchronously); `done` settles when the writer has finished.
 */
async function holdUntilReleased(lock: MemberWriteLock): Promise<{ release: () => void; done: Promise<void> }> {
  let release!: () => void;
  let held!: () => void;
  const holds = new Promise<void>((resolve) => (held = resolve));
  const done = lock.run(
    () =>
      new Promise<void>((resolve) => {
        release = resolve;
        held();
      }),
  );
  await holds;
  return { release, done };
}

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('member write lock', () => {
  it('lets the writers of one token in one process run one at a time, in the order they came', async () => {
    const ref = token();
    const events: string[] = [];
    // Two lock objects for one token, as two agents of one member in one process would have.
    const locks = [createMemberWriteLock(ref, { dir }), createMemberWriteLock(ref, { dir })];
    await Promise.all(
      [0, 1, 2, 3, 4].map((index) =>
        locks[index % 2]!.run(async () => {
          events.push(`start ${index}`);
          await sleep(20);
          events.push(`end ${index}`);
        }),
      ),
    );
    expect(events).toEqual([0, 1, 2, 3, 4].flatMap((index) => [`start ${index}`, `end ${index}`]));
  });

  it('keeps writers of different tokens independent', async () => {
    const first = createMemberWriteLock(token(), { dir });
    const second = createMemberWriteLock(token(), { dir });
    // The first token's writer holds its lock before the second token's writer asks for one.
    const holder = await holdUntilReleased(first);
    await expect(second.run(async () => 'written')).resolves.toBe('written');
    holder.release();
    await holder.done;
  });

  it('rejects a writer that gives up while queued, and still runs the writers behind it', async () => {
    const lock = createMemberWriteLock(token(), { dir, pollMs: 20 });
    const first = await holdUntilReleased(lock);
    const giveUp = new AbortController();
    const second = lock.run(async () => 'second ran', { signal: giveUp.signal });
    const third = lock.run(async () => 'third ran');
    giveUp.abort(new Error('cancelled by the workflow'));
    await expect(second).rejects.toThrow('cancelled by the workflow');
    first.release();
    await first.done;
    await expect(third).resolves.toBe('third ran');
  });

  it('makes a writer wait for another process that holds the token, calling onWait meanwhile, and run once it lets go', async () => {
    const ref = token();
    const holder = await holdInAnotherProcess(ref.tokenLabel, 10_000);
    let waits = 0;
    let ran = false;
    const writing = createMemberWriteLock(ref, { dir, pollMs: 50 }).run(
      async () => {
        ran = true;
      },
      { onWait: () => (waits += 1) },
    );
    await sleep(500);
    expect(ran).toBe(false);
    expect(waits).toBeGreaterThan(2);
    holder.kill('SIGTERM'); // exits cleanly: its lock goes with it
    await writing;
    expect(ran).toBe(true);
  });

  it('takes over the lock of a holder killed with SIGKILL once the lock is stale', async () => {
    const ref = token();
    const staleMs = 2_000;
    const holder = await holdInAnotherProcess(ref.tokenLabel, staleMs);
    holder.kill('SIGKILL');
    const started = Date.now();
    await createMemberWriteLock(ref, { dir, staleMs, pollMs: 50 }).run(async () => undefined);
    // Not before the dead holder's last refresh went stale (it refreshed at most a second before), and not long after.
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThan(staleMs - 1_500);
    expect(waited).toBeLessThan(staleMs * 4);
  });
});
