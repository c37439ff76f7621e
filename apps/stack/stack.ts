// The embedded stack of `npm start` (DESIGN section 9): state folder, Temporal dev server, worker
// and API, each recorded in run/<component>.pid, stopped in reverse order.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../libs/config/load-config';
import { configPath, statePaths } from '../../libs/config/paths';
import type { StatePaths } from '../../libs/config/paths';
import type { StackPorts } from '../../libs/config/ports';
import { isPortFree } from '../../libs/config/ports';
import { startDevServer } from '../../libs/temporal/dev-server';
import type { DevServer } from '../../libs/temporal/dev-server';
import { startComponent } from './component-process';
import { startWorkerProcess } from './worker-runtime';
import type { ComponentProcess } from './component-process';
import { ensureDemoState, endpoints } from './demo/demo-state';
import type { DemoHsm } from './demo/demo-tokens';
import { claimRunDir, removePidFile, writePidFile } from './pid-files';
import { supervise } from './supervisor';
import type { SupervisedProcess } from './supervisor';

export interface StackOptions {
  home: string;
  ports: StackPorts;
  /** A configuration of the user's (KEYSYNC_CONFIG); without it the demo's config.json is used, made on first start. */
  configFile?: string;
  /** The demo's tokens when its state is made (KEYSYNC_DEMO_HSM): all SoftHSM, or node3 on Kryoptic. */
  demoHsm?: DemoHsm;
  log?: (line: string) => void;
}

export interface RunningStack {
  paths: StatePaths;
  configFile: string;
  demoCreated: boolean;
  temporal: DevServer;
  /** Components that run, and those whose compiled entry does not exist (yet). */
  started: string[];
  missing: Array<{ name: string; entry: string }>;
  apiUrl: string;
  /** Settles with a sentence saying why when a part keeps dying (each death alone is restarted). */
  failed: Promise<string>;
  stop(): Promise<void>;
}

const COMPONENTS = [
  { name: 'worker', entry: join(__dirname, '..', 'worker', 'main.js') },
  { name: 'api', entry: join(__dirname, '..', 'api', 'main.js') },
];

/** The first run is the server started above; each restart starts a new one on the same ports and file. */
function temporalRun(initial: DevServer, startAgain: () => Promise<DevServer>): () => Promise<SupervisedProcess> {
  let next: DevServer | null = initial;
  return async () => {
    const server = next ?? (await startAgain());
    next = null;
    return server;
  };
}

export async function waitForHealth(apiUrl: string, component: ComponentProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void component.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      const response = await fetch(`${apiUrl}/v1/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(exited ? 'The API exited before it answered /v1/health; see its errors above, or run/api.log.' : `The API did not answer ${apiUrl}/v1/health within ${timeoutMs} ms.`);
}

export async function startStack(options: StackOptions): Promise<RunningStack> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[keysync] ${line}\n`));
  const paths = statePaths(options.home);
  claimRunDir(paths.run);
  if (!(await isPortFree(options.ports.api))) {
    throw new Error(`Port ${options.ports.api} (API) is already in use. Stop whatever listens there, or move the API with KEYSYNC_API_PORT.`);
  }

  // The demo cluster is made only when no configuration of the user's is given.
  const demoCreated = options.configFile ? false : await ensureDemoState(paths, options.ports, options.demoHsm);
  if (demoCreated) log(`created the demo cluster in ${paths.home}`);
  mkdirSync(paths.run, { recursive: true, mode: 0o700 });
  const configFile = options.configFile ?? configPath({ KEYSYNC_HOME: options.home });
  // The embedded Temporal is the one every process uses: an address from the environment would mislead them.
  const config = loadConfig(configFile, { ...process.env, KEYSYNC_TEMPORAL_ADDRESS: '' });
  const embeddedAddress = endpoints(options.ports).temporalAddress;
  if (config.temporal.address !== embeddedAddress) {
    log(`note: ${configFile} names Temporal at ${config.temporal.address}; the stack's processes use the embedded server at ${embeddedAddress}`);
  }
  writePidFile(paths.run, 'stack', process.pid);

  const stopped: Array<() => Promise<unknown>> = [async () => removePidFile(paths.run, 'stack')];
  let stopping = false;
  const stop = async (): Promise<void> => {
    stopping = true;
    // Reverse order: the API and worker first, Temporal last, then the stack's own pid file.
    for (const step of stopped.splice(0).reverse()) await step();
  };

  let reportFailure: (reason: string) => void = () => undefined;
  const failed = new Promise<string>((resolve) => (reportFailure = resolve));
  const superviseOptions = (name: string, title: string) => ({
    name,
    title,
    runDir: paths.run,
    logFile: join(paths.run, `${name}.log`),
    warn: (line: string) => log(`warning: ${line}`),
    onGiveUp: (reason: string) => !stopping && reportFailure(reason),
  });
  try {
    // A restarted dev server opens the same SQLite file, so running workflows resume where they were.
    const startTemporal = () =>
      startDevServer({
        port: options.ports.temporal,
        uiPort: options.ports.ui,
        dbFile: paths.temporalDb,
        namespace: config.temporal.namespace,
        logFile: join(paths.run, 'temporal.log'),
        ownProcessGroup: true,
      });
    const temporal = await startTemporal();
    const temporalSupervisor = await supervise({ ...superviseOptions('temporal', 'the Temporal dev server'), start: temporalRun(temporal, startTemporal) });
    stopped.push(() => temporalSupervisor.stop());

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KEYSYNC_HOME: paths.home,
      KEYSYNC_CONFIG: configFile,
      SOFTHSM2_CONF: config.softhsm2Conf ?? process.env.SOFTHSM2_CONF ?? paths.softhsm2Conf,
      KEYSYNC_API_PORT: String(options.ports.api),
      KEYSYNC_TEMPORAL_PORT: String(options.ports.temporal),
      KEYSYNC_UI_PORT: String(options.ports.ui),
      KEYSYNC_TEMPORAL_ADDRESS: temporal.address,
    };
    const started: string[] = [];
    const missing: RunningStack['missing'] = [];
    const { apiUrl } = endpoints(options.ports);
    for (const { name, entry } of COMPONENTS) {
      if (!existsSync(entry)) {
        missing.push({ name, entry });
        continue;
      }
      const runs: ComponentProcess[] = [];
      const supervisor = await supervise({
        ...superviseOptions(name, `the ${name === 'api' ? 'API' : name}`),
        start: async () => {
          const run = name === 'worker'
            ? await startWorkerProcess(name, entry, [], env, join(paths.run, `${name}.log`))
            : await startComponent(name, entry, [], env, join(paths.run, `${name}.log`));
          runs.push(run);
          return run;
        },
      });
      stopped.push(() => supervisor.stop());
      started.push(name);
      if (name === 'api' && runs[0]) await waitForHealth(apiUrl, runs[0], 60_000);
    }
    return { paths, configFile, demoCreated, temporal, started, missing, apiUrl, failed, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
