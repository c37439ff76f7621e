// How a worker process (orchestrator, node agents) is started: the node flags and environment that
// bound its memory, and the CPU priority it yields at, given by every launcher (npm start,
// start:production, the bench) through startWorkerProcess and stated again in deploy/systemd and
// docker-compose.yml (the memory bounds also in the Dockerfile), so the product runs as measured.
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

// The CPU priority: a worker's HSM work is throughput, the API's answers (and on an appliance the
// CA's own work) are latency. Measured with `npm run bench -- --concurrent 100 --keys 6 --members 3`
// on two cores: status reads p99 80.1 and 49.2 ms with the worker at the API's priority; 42.7,
// 54.6, 35.9 and 39.9 ms with it at nice 10; the last of the 100 syncs done after 116 to 122 s
// either way: the worker gets the cores whenever nothing else asks for them.
import { writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { type ComponentProcess, startComponent } from './component-process';

/** Node flags of a worker process, before its entry. */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/** The worker's environment: `env` with glibc's arenas capped at two, unless the operator set MALLOC_ARENA_MAX. */
export function workerEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { MALLOC_ARENA_MAX: '2', ...env };
}

/** A worker's nice value: about a ninth of the CPU weight of a process at 0 when both want the CPU. */
export const WORKER_NICE = 10;

/** Starts a worker process as every launcher does: its node flags and environment, at the worker's CPU priority. */
export async function startWorkerProcess(name: string, entry: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<ComponentProcess> {
  const run = await startComponent(name, entry, args, workerEnvironment(env), logFile, WORKER_NODE_FLAGS);
  yieldCpu(run.pid);
  return run;
}

/**
 * Sets the process's nice value, which the threads it starts from now on (libuv's pool, the Temporal
 * core's) inherit. startComponent gives each component a session of its own, and where Linux
 * schedules a session as one group (autogroup, the default on desktop and server kernels) the
 * group's nice is what weighs against the API's, so that is set too. Neither is fatal: a host that
 * refuses runs the worker at the default priority.
 */
function yieldCpu(pid: number): void {
  try {
    setPriority(pid, WORKER_NICE);
  } catch {
    // Not permitted here: the default priority.
  }
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(WORKER_NICE));
  } catch {
    // No autogroup (another kernel, or scheduling groups turned off).
  }
}
