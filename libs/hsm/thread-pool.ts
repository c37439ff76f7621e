// libuv's thread pool runs pkcs11js's *Async calls (unwrap, wrap, sign, key generation) besides
// Node's file, DNS and crypto work. Its default is four threads for the whole process, so in a
// worker with more node agents than that (the embedded shape, a 32-member bench) a fifth import's
// unwrap waits for a thread while the HSM behind it is idle. One thread per agent, plus libuv's
// default four for everything else, keeps every agent's HSM call running.
//
// libuv reads UV_THREADPOOL_SIZE once, when the pool starts (its first queued work), so it must be
// in the environment before anything in the process uses the pool: the worker sets it first thing.

/** libuv's default, left for files, DNS and crypto. */
const LIBUV_DEFAULT = 4;
/** Far under libuv's own limit (1024): each thread reserves a stack. */
const MAX_THREADS = 128;

export function hsmThreadPoolSize(agents: number): number {
  return Math.min(MAX_THREADS, Math.max(0, Math.floor(agents)) + LIBUV_DEFAULT);
}

/**
 * Sizes this process's pool for `agents` node agents, unless UV_THREADPOOL_SIZE is already set (an
 * operator's choice wins). Returns the size the pool will have.
 */
export function sizeThreadPoolForAgents(agents: number, env: NodeJS.ProcessEnv = process.env): number {
  const chosen = Number(env.UV_THREADPOOL_SIZE);
  if (Number.isInteger(chosen) && chosen > 0) return chosen;
  const size = hsmThreadPoolSize(agents);
  env.UV_THREADPOOL_SIZE = String(size);
  return size;
}
