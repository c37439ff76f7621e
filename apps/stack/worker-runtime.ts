// How a worker process (orchestrator, node agents) is started: the node flags and environment that
// bound its memory, given by every launcher (npm start, start:production, the bench) and stated
// again in deploy/systemd, the Dockerfile and docker-compose.yml, so the product runs as measured.
//
// Measured with `npm run bench -- --keys 600 --members 2` (three agents; the worker's peak RSS
// 339 and 342 MB before): V8's heap about 125 MB of it, its young generation 32 MB (two 16 MB
// semi-spaces, resident once touched); malloc'd memory of the native parts (the Temporal core,
// the PKCS#11 module, OpenSSL) about 150 MB, spread over glibc's arenas: every thread that
// allocates (the libuv pool's, one per agent plus four, and the core's) gets an arena of its own,
// whose freed pages stay resident. Two arenas hold the same allocations with less left over (308 MB
// with that alone); 4 MB semi-spaces then take 24 MB off the young generation (283 and 281 MB
// with both), at a few more scavenges of short-lived objects (activations, PKCS#11 attribute
// buffers), and the worker's CPU seconds for the sync stayed within the runs' spread.

/** Node flags of a worker process, before its entry. */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/** The worker's environment: `env` with glibc's arenas capped at two, unless the operator set MALLOC_ARENA_MAX. */
export function workerEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { MALLOC_ARENA_MAX: '2', ...env };
}
