// The stack a bench run measures: its own Temporal dev server on a temporary SQLite file, the
// worker (orchestrator and every node agent) inside this process as the embedded stack runs it,
// and the API in its own process. Setup, not measured.
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createWorkers } from '../apps/worker/create-workers';
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
  const server = await startDevServer({ port: await freePort(), headless: true, dbFile: join(dir, 'temporal.db'), logFile: join(dir, 'temporal.log'), startTimeoutMs: 120_000 });
  const config = benchConfig(dir, server.address, cluster, parallelism);
  const connection = await NativeConnection.connect({ address: server.address });
  const client = new Client({ connection: await Connection.connect({ address: server.address }), namespace: 'default' });
  const workers = await createWorkers({ config, connection });
  const running = workers.run();
  const stopWorkerSide = async (): Promise<void> => {
    await workers.shutdown();
    await running.catch(() => undefined);
    await connection.close();
    await client.connection.close();
    await server.stop();
  };
  let api: BenchApi;
  try {
    api = await startBenchApi(dir, config);
  } catch (error) {
    await stopWorkerSide();
    throw error;
  }
  return {
    config,
    client,
    api,
    stop: async () => {
      await api.stop();
      await stopWorkerSide();
    },
  };
}
