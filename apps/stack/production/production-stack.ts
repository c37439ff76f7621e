// `npm run start:production` (DESIGN 15): the production topology on one machine. In order:
// PostgreSQL (schema applied), two Temporal server processes on it with mutual TLS, the Temporal Web
// UI server (a client of the first frontend, with its own certificate), versitygw as the package
// store, the API, two orchestrators, and one agent per member from its own host folder.
// Each process has run/<name>.pid and run/<name>.log; they stop in reverse order. A part that exits
// on its own is restarted with backoff by the supervisor of `npm start` (apps/stack/supervisor.ts);
// one that keeps dying is reported through `failed`, and the caller stops everything.
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StackPorts } from '../../../libs/config/ports';
import { startS3Server } from '../../../libs/s3-server';
import { startComponent } from '../component-process';
import { startWorkerProcess } from '../worker-runtime';
import { claimRunDir, removePidFile, writePidFile } from '../pid-files';
import { supervise } from '../supervisor';
import type { SupervisedProcess } from '../supervisor';
import { PACKAGE_BUCKET, DEMO_MEMBERS, ensureControlConfig, frontendAddress } from './production-config';
import { writeProductionDemoFile } from './production-demo-file';
import { ensureHosts } from './production-hosts';
import { checkPortsFree, ensureLayout, TEMPORAL_PROCESSES } from './production-layout';
import { productionPaths } from './production-paths';
import type { ProductionPaths } from './production-paths';
import { ensureProductionSecrets } from './production-secrets';
import { prepareTemporal, startDatabase, startTemporalProcess, startTemporalUi } from './production-temporal';
import { ensureProductionTls } from './production-tls';
import { waitForApi } from './wait-for-api';

export interface ProductionStack {
  paths: ProductionPaths;
  configFile: string;
  demoCreated: boolean;
  apiUrl: string;
  temporalUiUrl: string;
  temporalAddresses: string[];
  namespace: string;
  /** Names of the processes, in start order (the pid and log files' names). */
  parts: string[];
  /** Settles with a sentence naming the part when one keeps dying (each death alone is restarted). */
  failed: Promise<string>;
  stop(): Promise<void>;
}

const WORKER_ENTRY = join(__dirname, '..', '..', 'worker', 'main.js');
const API_ENTRY = join(__dirname, '..', '..', 'api', 'main.js');

/** The environment of the stack's Node processes: none of the caller's KeySync or SoftHSM settings leak in. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('KEYSYNC_') && name !== 'SOFTHSM2_CONF'));
  if (process.env.KEYSYNC_SOFTHSM_MODULE) env.KEYSYNC_SOFTHSM_MODULE = process.env.KEYSYNC_SOFTHSM_MODULE;
  return { ...env, ...extra };
}

export async function startProductionStack(options: { home: string; ports: StackPorts; log?: (line: string) => void }): Promise<ProductionStack> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[keysync] ${line}\n`));
  const paths = productionPaths(options.home);
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  // PostgreSQL runs as its own unprivileged user and must pass through the state folder to reach
  // postgresql/: searchable (x) but not listable by others. What is secret inside is 0600 or in a 0700 folder.
  chmodSync(paths.home, 0o711);
  claimRunDir(paths.run);
  mkdirSync(paths.run, { recursive: true, mode: 0o700 });
  for (const dir of [paths.audit, paths.hosts]) mkdirSync(dir, { recursive: true, mode: 0o700 });

  const layout = await ensureLayout(paths.layout, options.ports);
  await checkPortsFree(layout);
  const secrets = ensureProductionSecrets(paths);
  await ensureProductionTls(paths, DEMO_MEMBERS);
  const apiUrl = `http://127.0.0.1:${layout.api}`;
  const temporalUiUrl = `http://127.0.0.1:${layout.ui}`;
  const demoCreated = ensureControlConfig(paths, layout, { api: layout.api, temporal: layout.temporal[0]!.frontend, ui: layout.ui });
  if (demoCreated) log(`created the demo cluster in ${paths.home}`);
  const agentConfigs = await ensureHosts(paths, layout, cleanEnv({}));
  writeProductionDemoFile(paths, apiUrl, temporalUiUrl);

  writePidFile(paths.run, 'stack', process.pid);
  const stopSteps: Array<() => Promise<unknown>> = [async () => removePidFile(paths.run, 'stack')];
  const parts: string[] = [];
  let stopping = false;
  let reportFailure: (reason: string) => void = () => undefined;
  const failed = new Promise<string>((resolve) => (reportFailure = resolve));
  const stop = async (): Promise<void> => {
    stopping = true;
    for (const step of stopSteps.splice(0).reverse()) await step();
  };
  // Starts a part under the supervisor, which writes (and rewrites) run/<name>.pid and restarts it with backoff.
  const track = async (name: string, title: string, start: () => Promise<SupervisedProcess>): Promise<void> => {
    const supervisor = await supervise({
      name,
      title,
      start,
      runDir: paths.run,
      logFile: join(paths.run, `${name}.log`),
      warn: (line) => log(`warning: ${line}`),
      onGiveUp: (reason) => !stopping && reportFailure(reason),
    });
    parts.push(name);
    stopSteps.push(() => supervisor.stop());
  };
  const step = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw new Error(`${what}: ${(error as Error).message}`);
    }
  };

  try {
    log('starting PostgreSQL...');
    await step('PostgreSQL could not start', () => track('postgresql', 'PostgreSQL', () => startDatabase(paths, layout, secrets.postgresPassword)));
    for (const [index, name] of TEMPORAL_PROCESSES.entries()) {
      log(`starting the Temporal server ${name}...`);
      await step(`The Temporal server ${name} could not start`, () =>
        track(name, `the Temporal server ${name}`, () => startTemporalProcess(paths, layout, secrets.postgresPassword, index)),
      );
    }
    const added = await step('Preparing the Temporal namespace failed', () => prepareTemporal(paths, frontendAddress(layout, 0)));
    if (added.length > 0) log(`registered search attributes ${added.join(', ')}`);
    log('starting the Temporal Web UI...');
    await step(`The Temporal Web UI could not start (see ${join(paths.run, 'ui.log')})`, () => track('ui', 'the Temporal Web UI', () => startTemporalUi(paths, layout)));

    await step(`versitygw could not start (see ${join(paths.run, 's3.log')})`, () =>
      track('s3', 'versitygw', async () => {
        const s3 = await startS3Server({
          dataDir: paths.s3Data,
          port: layout.s3,
          accessKeyId: secrets.s3AccessKeyId,
          secretAccessKey: secrets.s3SecretAccessKey,
          buckets: [PACKAGE_BUCKET],
          logFile: join(paths.run, 's3.log'),
          ownProcessGroup: true,
        });
        // versitygw's exit settles with nothing: its code and signal are not kept.
        return { pid: s3.pid, exited: s3.exited.then(() => ({ code: null, signal: null })), stop: () => s3.stop() };
      }),
    );

    const control = (address: string) => cleanEnv({ KEYSYNC_HOME: paths.home, KEYSYNC_CONFIG: paths.config, KEYSYNC_API_PORT: String(layout.api), KEYSYNC_TEMPORAL_ADDRESS: address });
    const apiRuns: SupervisedProcess[] = [];
    await track('api', 'the API', async () => {
      const run = await startComponent('api', API_ENTRY, [], control(frontendAddress(layout, 0)), join(paths.run, 'api.log'));
      apiRuns.push(run);
      return run;
    });
    await step('The API did not come up', () => waitForApi(apiUrl, apiRuns[0]!.exited, join(paths.run, 'api.log'), 60_000));
    // Each orchestrator on its own frontend: either Temporal process may go away without taking both.
    for (const [index, name] of ['orchestrator-1', 'orchestrator-2'].entries()) {
      await track(name, `the orchestrator ${name}`, () => startWorkerProcess(name, WORKER_ENTRY, ['--orchestrator'], control(frontendAddress(layout, index)), join(paths.run, `${name}.log`)));
    }
    for (const [index, member] of DEMO_MEMBERS.entries()) {
      const name = `agent-${member}`;
      const host = paths.host(member);
      const env = cleanEnv({ KEYSYNC_HOME: host, KEYSYNC_CONFIG: agentConfigs[member], KEYSYNC_TEMPORAL_ADDRESS: frontendAddress(layout, index % TEMPORAL_PROCESSES.length) });
      await track(name, `the agent of ${member}`, () => startWorkerProcess(name, WORKER_ENTRY, [], env, join(paths.run, `${name}.log`)));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    paths,
    configFile: paths.config,
    demoCreated,
    apiUrl,
    temporalUiUrl,
    temporalAddresses: TEMPORAL_PROCESSES.map((_, index) => frontendAddress(layout, index)),
    namespace: 'default',
    parts,
    failed,
    stop,
  };
}
