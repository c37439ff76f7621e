// One writer per member token at a time. PKCS#11 has no transactions and does not make CKA_ID
// unique, so two imports that each find a key absent would both create it. Every activity that
// creates or destroys token objects runs inside this lock, and decides "is it there already?"
// inside it; reads (inventory, export, check values) never take it.
//
// Two layers, because writes can come from two places:
// - this process: several activities of one agent (12 syncs, a drift heal, an upload) run at once;
//   they queue here in arrival order;
// - another process on the same host: a member briefly has two agent processes during a restart or
//   a rolling upgrade, both polling its queue. A lock directory on the host (proper-lockfile: an
//   atomic mkdir, kept fresh while held) makes the second wait. A holder that dies (SIGKILL) leaves
//   it stale after `staleMs`, and the next writer takes it over.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '../libs/digest';
import lockfile from 'proper-lockfile';
import type { TokenRef } from '../libs/hsm/types';

/** Where lock files live when the configuration names no `locks.dir`: host-wide, like the tokens they guard. */
export function defaultLockDir(): string {
  return join(tmpdir(), 'keysync-locks');
}

export interface WaitHooks {
  /** Called about every `pollMs` while another writer holds the lock (an activity heartbeats here). */
  onWait?: () => void;
  /** Stops waiting (an activity's cancellation); a write already running is never interrupted. */
  signal?: AbortSignal;
}

export interface MemberWriteLock {
  /** Runs `write` once no other writer of this token runs, here or in another process on this host. */
  run<T>(write: () => Promise<T>, hooks?: WaitHooks): Promise<T>;
}

export interface MemberWriteLockOptions {
  dir?: string;
  /** A lock not refreshed for this long belongs to a dead process. */
  staleMs?: number;
  pollMs?: number;
  /** Told when the lock was found taken over while held (the holder's event loop stalled past staleMs). */
  onCompromised?: (error: Error) => void;
}

/** In-process queues by lock path: two agents of one token in one process share one. */
const queues = new Map<string, { tail: Promise<void> }>();

export function lockPathFor(token: Pick<TokenRef, 'pkcs11Module' | 'tokenLabel'>, dir: string): string {
  const digest = sha256Hex(`${token.pkcs11Module}\n${token.tokenLabel}`).slice(0, 16);
  const readable = token.tokenLabel.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 48);
  return join(dir, `token-${readable}-${digest}`);
}

export function createMemberWriteLock(token: Pick<TokenRef, 'pkcs11Module' | 'tokenLabel'>, options: MemberWriteLockOptions = {}): MemberWriteLock {
  const dir = options.dir ?? defaultLockDir();
  const path = lockPathFor(token, dir);
  const staleMs = options.staleMs ?? 10_000;
  const pollMs = options.pollMs ?? 200;
  const queue = queues.get(path) ?? { tail: Promise.resolve() };
  queues.set(path, queue);

  async function acquireHostLock(hooks: WaitHooks): Promise<() => Promise<void>> {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (;;) {
      try {
        return await lockfile.lock(path, {
          realpath: false,
          stale: staleMs,
          update: Math.floor(staleMs / 3),
          retries: 0,
          onCompromised: (error) => options.onCompromised?.(error),
        });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      }
      await pause(pollMs, hooks);
    }
  }

  return {
    async run(write, hooks = {}) {
      let release!: () => void;
      const mine = new Promise<void>((resolve) => (release = resolve));
      const turn = queue.tail;
      queue.tail = turn.then(() => mine);
      try {
        await waitFor(turn, pollMs, hooks);
      } catch (error) {
        // Given up while queued: pass the turn on when it comes, so the writers behind still run.
        void turn.then(release);
        throw error;
      }
      try {
        const releaseHostLock = await acquireHostLock(hooks);
        try {
          return await write();
        } finally {
          await releaseHostLock().catch((error: unknown) => options.onCompromised?.(error as Error));
        }
      } finally {
        release();
      }
    },
  };
}

/** Waits for `promise`, calling onWait every pollMs meanwhile; rejects when the signal aborts. */
async function waitFor(promise: Promise<void>, pollMs: number, hooks: WaitHooks): Promise<void> {
  let settled = false;
  void promise.then(() => (settled = true));
  await Promise.resolve();
  while (!settled) await pause(pollMs, hooks, promise);
}

function pause(ms: number, hooks: WaitHooks, until?: Promise<void>): Promise<void> {
  if (hooks.signal?.aborted) return Promise.reject(abortError(hooks.signal));
  hooks.onWait?.();
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(hooks.signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      hooks.signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    void until?.then(() => {
      clearTimeout(timer);
      hooks.signal?.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('cancelled while waiting for the member write lock');
}
