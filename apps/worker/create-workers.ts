// Builds the Temporal workers of one process: the orchestrator (workflows, the archive activity and
// resolveCluster on `keysync`) and/or a node agent per member (its activities on `keysync.<cluster>.<member>`).
// main.ts runs it as a CLI; tests call it in-process with their own queues and tokens.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createNodeAgentActivities } from '../../activities/node-agent';
import { createOrchestratorActivities } from '../../activities/orchestrator';
import { createTokenSource } from '../../activities/token-source';
import type { OpenToken, TokenSource } from '../../activities/token-source';
import { AuditArchive } from '../../libs/audit-archive';
import { isAgentConfig } from '../../libs/config/types';
import type { WorkerConfig } from '../../libs/config/types';
import { openToken as defaultOpenToken } from '../../libs/hsm/open-token';
import { createPackageStore } from '../../libs/package-store';
import type { PackageStore } from '../../libs/package-store';
import { memberTaskQueue, orchestratorTaskQueue } from '../../libs/contract/task-queues';
import { connectTemporal } from '../../libs/temporal/connection';
import { planWorkers } from './select-agents';
import { prebuiltWorkflowBundle } from './workflow-bundle';

export interface CreateWorkersOptions {
  /** A full configuration, or an agent configuration (its one member's agent, no orchestrator). */
  config: WorkerConfig;
  connection: NativeConnection;
  /** Default: config.temporal.namespace. */
  namespace?: string;
  /** Member ids to run agents for. Default: every member of every cluster (the embedded shape), none with `orchestrator: true`. */
  members?: string[];
  /** Restricts `members` to one cluster. */
  cluster?: string;
  /** Run the orchestrator (alone when `members` is not given). Default: true when `members` is not given and the configuration is a full one. */
  orchestrator?: boolean;
  /**
   * Prefix of the orchestrator queue, for tests that start workflows on a queue of their own. The
   * workflows still send archiving to the plain `keysync` queue.
   */
  taskQueuePrefix?: string;
  /** How tokens are opened. Default: libs/hsm's openToken. */
  openToken?: OpenToken;
  logger?: Logger;
}

export interface KeySyncWorkers {
  /** Queues polled by this process, for logs and tests. */
  readonly taskQueues: string[];
  /** Runs until shutdown() or a worker fails (then the others are shut down too). */
  run(): Promise<void>;
  /** Stops polling, lets running activities finish (up to the grace time), closes tokens. Idempotent. */
  shutdown(): Promise<void>;
}

/** workflows/index next to this file: compiled JS under dist, or the TypeScript source in tests. */
export function workflowsPath(): string {
  const base = join(__dirname, '..', '..', 'workflows', 'index');
  for (const extension of ['.js', '.ts']) {
    if (existsSync(base + extension)) return base + extension;
  }
  throw new Error(`The workflows are missing: neither ${base}.js nor ${base}.ts exists. Run \`npm run build\`.`);
}

function workflowCode(logger: Logger | undefined): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  const path = workflowsPath();
  const bundle = prebuiltWorkflowBundle(path);
  if (bundle) return { workflowBundle: bundle };
  if (path.endsWith('.js')) logger?.warn({ workflowsPath: path }, 'no prebuilt workflow bundle matches the compiled workflows (run `npm run build`): bundling them now');
  return { workflowsPath: path };
}

export async function createWorkers(options: CreateWorkersOptions): Promise<KeySyncWorkers> {
  const { config, connection, logger } = options;
  const namespace = options.namespace ?? config.temporal.namespace;
  const { orchestrator: runOrchestrator, agents } = planWorkers(config, options);
  // Made for the first agent only: an orchestrator alone never touches packages, nor reads the store's keys.
  let packageStore: PackageStore | null = null;
  const openToken = options.openToken ?? defaultOpenToken;

  const workers: Worker[] = [];
  const tokens: TokenSource[] = [];
  let client: Client | null = null;

  try {
    if (runOrchestrator && !isAgentConfig(config)) {
      client = new Client({ connection: await connectTemporal(config.temporal), namespace });
      workers.push(
        await Worker.create({
          connection,
          namespace,
          taskQueue: `${options.taskQueuePrefix ?? ''}${orchestratorTaskQueue}`,
          // The build's prebuilt bundle when it matches the compiled workflows (about 100 MB less heap); else bundled now.
          ...workflowCode(logger),
          activities: createOrchestratorActivities({
            client,
            archive: new AuditArchive(config.auditArchive.dir),
            clusters: config.clusters,
            ...(config.notifications ? { notifications: config.notifications } : {}),
            ...(config.api.publicUrl ? { publicUrl: config.api.publicUrl } : {}),
          }),
        }),
      );
    }
    for (const { clusterId, member } of agents) {
      packageStore ??= await createPackageStore(config.packageStore);
      // Everything the module needs to open this token: its parameters (NSS softoken) and the member's wrap mechanism overrides too.
      const { pkcs11Module, tokenLabel, pin, pkcs11LibraryParameters, wrapMechanisms } = member;
      const source = createTokenSource(
        { pkcs11Module, tokenLabel, pin, ...(pkcs11LibraryParameters !== undefined ? { pkcs11LibraryParameters } : {}), ...(wrapMechanisms !== undefined ? { wrapMechanisms } : {}) },
        openToken,
      );
      tokens.push(source);
      workers.push(
        await Worker.create({
          connection,
          namespace,
          taskQueue: memberTaskQueue(clusterId, member.id),
          activities: { ...createNodeAgentActivities({ member, clusterId, packageStore, tokens: source, ...(config.locks ? { lockDir: config.locks.dir } : {}) }) },
        }),
      );
    }
  } catch (error) {
    await client?.connection.close();
    await packageStore?.close();
    throw error;
  }

  const taskQueues = workers.map((worker) => worker.options.taskQueue);
  let running: Promise<void> | null = null;
  let stopped: Promise<void> | null = null;

  async function stop(): Promise<void> {
    for (const worker of workers) {
      if (worker.getState() === 'RUNNING') worker.shutdown();
    }
    await running?.catch(() => undefined);
    await Promise.all(tokens.map((source) => source.close()));
    await client?.connection.close();
    await packageStore?.close();
    logger?.info({ taskQueues }, 'workers stopped');
  }

  return {
    taskQueues,
    run() {
      running ??= (async () => {
        logger?.info({ taskQueues, namespace }, 'workers polling');
        const runs = workers.map((worker) =>
          worker.run().catch((error: unknown) => {
            // One failed worker stops the process's others: a half-running agent helps nobody.
            logger?.error({ err: error, taskQueue: worker.options.taskQueue }, 'worker failed');
            for (const other of workers) if (other.getState() === 'RUNNING') other.shutdown();
            throw error;
          }),
        );
        // Every worker is awaited before reporting, so nothing keeps polling behind a failure.
        const outcomes = await Promise.allSettled(runs);
        const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
        if (failed) throw failed.reason;
      })();
      return running;
    },
    shutdown() {
      stopped ??= stop();
      return stopped;
    },
  };
}
