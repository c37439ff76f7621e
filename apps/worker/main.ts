// The worker process. Default: the embedded shape, the orchestrator and a node agent for every
// member in the configuration. `--member <id> [--cluster <id>]`: one node agent alone, as on each
// appliance in production. `--orchestrator`: the workflows only. With an agent configuration
// (DESIGN 15), its one member's agent. Stops cleanly on SIGTERM/SIGINT.
import { Command } from 'commander';
import { Runtime } from '@temporalio/worker';
import { applyModuleEnvironment, configPath, isAgentConfig, loadWorkerConfig } from '../../libs/config';
import { workerTelemetryOptions } from '../../libs/metrics/worker-telemetry';
import { connectWorkerConnection } from '../../libs/temporal/connection';
import { writeDriftSchedules } from '../../libs/temporal/drift-schedules';
import { sizeThreadPoolForAgents } from '../../libs/hsm/thread-pool';
import { createWorkers } from './create-workers';
import { ignoredPinSources, planWorkers } from './select-agents';
import { createWorkerLogger, temporalLoggerFor } from './logger';

interface WorkerArgs {
  member?: string[];
  cluster?: string;
  orchestrator?: boolean;
}

function parseArgs(argv: string[]): WorkerArgs {
  const program = new Command('keysync-worker')
    .description('Runs the KeySync orchestrator and/or node agents.')
    .option('--member <id...>', 'run the node agent of this member only (repeatable); with --orchestrator, also the orchestrator')
    .option('--cluster <id>', 'the cluster of --member, when member ids repeat across clusters')
    .option('--orchestrator', 'run the orchestrator (workflows); alone, no node agent')
    .allowExcessArguments(false);
  program.parse(argv);
  return program.opts<WorkerArgs>();
}

/** The log lines' `component`: what this process runs, an agent from an agent configuration included. */
function componentName(orchestrator: boolean, members: string[]): string {
  if (!orchestrator) return `agent:${members.join(',')}`;
  return members.length === 0 ? 'orchestrator' : 'worker';
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv);
  const config = loadWorkerConfig(configPath());
  // Checked before connecting, so a wrong --member fails at once and names what to fix.
  const { orchestrator, agents } = planWorkers(config, { members: args.member, cluster: args.cluster, orchestrator: args.orchestrator });
  // Before anything uses libuv's pool (the logger's writes included): libuv reads the size once, when the pool starts.
  const threadPoolSize = sizeThreadPoolForAgents(agents.length);
  const logger = createWorkerLogger({ component: componentName(orchestrator, agents.map((agent) => agent.member.id)) });
  // Signals are handled below, so shutdown also closes the tokens before the process exits.
  // KEYSYNC_WORKER_METRICS_PORT: HSM call latency (per activity and member queue) on this process's own /metrics.
  const telemetryOptions = workerTelemetryOptions();
  Runtime.install({ logger: temporalLoggerFor(logger), shutdownSignals: [], ...(telemetryOptions ? { telemetryOptions } : {}) });

  const ignored = ignoredPinSources(config, agents);
  if (ignored.length > 0) {
    logger.warn({ ignored }, `this process runs no agent for these members: it ignores their PIN sources and never reads them (${ignored.join(', ')})`);
  }
  // A PKCS#11 module reads its environment (SoftHSM: SOFTHSM2_CONF) at its first C_Initialize: set it before any token is opened.
  const environment = applyModuleEnvironment(config);
  if (environment.length > 0) logger.info({ variables: environment }, 'module environment set from the configuration');
  if (agents.length > 0) logger.info({ threadPoolSize, agents: agents.length }, 'libuv thread pool sized for the agents\' HSM calls');
  const connection = await connectWorkerConnection(config.temporal);
  const workers = await createWorkers({
    config,
    connection,
    members: args.member,
    cluster: args.cluster,
    // The flag as given: createWorkers plans from it as above (a computed `true` would mean "the orchestrator alone").
    orchestrator: args.orchestrator,
    logger,
  });

  // The orchestrator owns the drift watch: it (re)writes each cluster's schedule from this configuration.
  if (orchestrator && !isAgentConfig(config)) {
    await writeDriftSchedules(config).then(
      (schedules) => logger.info({ schedules }, 'drift watch schedules written'),
      (error: unknown) => logger.error({ err: error }, 'drift watch schedules not written: drift is not watched until the next start'),
    );
  }

  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) return;
    signalled = true;
    logger.info({ signal }, 'shutting down');
    void workers.shutdown();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  try {
    await workers.run();
  } finally {
    await workers.shutdown();
    await connection.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${JSON.stringify({ level: 'fatal', component: 'worker', msg: error instanceof Error ? error.message : String(error) })}\n`);
    process.exit(1);
  },
);
