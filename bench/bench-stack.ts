// The stack a bench run measures: its own Temporal dev server on a temporary SQLite file, the
// worker (orchestrator and every node agent) and the API each in its own process, started from
// dist/ as `npm start` starts them, so each one's memory is its own. Setup, not measured.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { ComponentProcess } from '../apps/stack/component-process';
import { startWorkerProcess } from '../apps/stack/worker-runtime';
import type { KeySyncConfig } from '../libs/config/types';
import { freePort } from '../libs/config/ports';
import { startDevServer } from '../libs/temporal/dev-server';
import { startBenchApi } from './api-process';
import type { BenchApi } from './api-process';
import type { BenchCluster } from './bench-cluster';

export interface BenchStack {
  config: KeySyncConfig;
  client: Client;
  api: BenchApi;
  /** The worker process: the orchestrator and every node agent (apps/worker/main.js). */
  worker: { pid: number };
  /** The Temporal dev server's process. */
  temporal: { pid: number };
  stop(): Promise<void>;
}

function benchConfig(dir: string, address: string, cluster: BenchCluster, parallelism: number): KeySyncConfig {
  return {
    temporal: { address, namespace: 'default' },
    api: { port: 3000 },
    packageStore: { dir: join(dir, 'packages') },
    auditArchive: { dir: join(dir, 'audit') },
    clusters: [
      {
        id: 'bench',
        founder: cluster.founder.member.id,
        members: [cluster.founder.member, ...cluster.stackTargets.map((target) => target.member)],
        approvers: [],
        policy: {
          sync: { approvals: 0, timeoutSeconds: 60 },
          join: { approvals: 0, timeoutSeconds: 60 },
          parallelism,
          packageTtlSeconds: 3600,
          drift: { mode: 'off', intervalSeconds: 300 },
        },
      },
    ],
    principals: [],
  };
}

export async function startBenchStack(dir: string, cluster: BenchCluster, parallelism: number): Promise<BenchStack> {
  if (__filename.endsWith('.ts')) throw new Error('the bench starts the worker from dist/: run it with `npm run bench`, which builds first');
  // In a session of its own, as `npm start` runs it: the bench's process, which times status reads,
  // does not share a scheduling group (Linux's autogroup) with the server.
  const server = await startDevServer({ port: await freePort(), headless: true, dbFile: join(dir, 'temporal.db'), logFile: join(dir, 'temporal.log'), startTimeoutMs: 120_000, ownProcessGroup: true });
  const config = benchConfig(dir, server.address, cluster, parallelism);
  const client = new Client({ connection: await Connection.connect({ address: server.address }), namespace: 'default' });
  const configFile = join(dir, 'worker-config.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  let worker: ComponentProcess | null = null;
  let api: BenchApi | null = null;
  const stop = async (): Promise<void> => {
    await api?.stop();
    await worker?.stop();
    await client.connection.close();
    await server.stop();
  };
  try {
    // Errors only, as the API's warnings: the figures stay readable; everything goes to worker.log. The
    // warm-up sync that follows waits for its pollers.
    // As the stacks start it (apps/stack/worker-runtime.ts): its peak RSS and CPU priority are the product's.
    worker = await startWorkerProcess('worker', join(__dirname, '..', 'apps', 'worker', 'main.js'), [], { ...process.env, KEYSYNC_CONFIG: configFile, KEYSYNC_LOG_LEVEL: 'error' }, join(dir, 'worker.log'));
    api = await startBenchApi(dir, config);
  } catch (error) {
    await stop();
    throw error;
  }
  return { config, client, api, worker: { pid: worker.pid }, temporal: { pid: server.pid }, stop };
}
