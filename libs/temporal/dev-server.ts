// Runs `temporal server start-dev` as a child process: the embedded Temporal of `npm start`
// (SQLite file, Web UI) and of the test run (headless, in memory). A real server, never a mock.
import { spawnWatched } from '../child-process';
import type { ProcessExit } from '../child-process';
import { isPortFree } from '../config/ports';
import { requireTemporalCli } from './find-cli';
import { prepareNamespace, waitForTemporal } from './prepare-namespace';
import { DEFAULT_RETENTION_DAYS } from './retention';
import { searchAttributeFlags } from './search-attributes';
import { serverDynamicConfig } from './server-tuning';

export interface DevServerOptions {
  /** Frontend gRPC port. */
  port: number;
  /** Web UI port; ignored when headless. Default: port + 1000, as the CLI does. */
  uiPort?: number;
  headless?: boolean;
  /** SQLite file; without it the server keeps everything in memory and loses it on exit. */
  dbFile?: string;
  namespace?: string;
  /** Where the server's own output goes (appended). Without it, only its last lines are kept, for errors. */
  logFile?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Retention of closed workflows in days; the stack keeps histories long (DESIGN section 2). */
  retentionDays?: number;
  /** How long to wait for the server (and UI) to answer. */
  startTimeoutMs?: number;
  /** Path of the `temporal` binary; default: found by requireTemporalCli. */
  cliPath?: string;
  /**
   * Run the server in its own process group, so a Ctrl-C in the terminal reaches only the parent,
   * which then stops it last, after the processes that use it.
   */
  ownProcessGroup?: boolean;
  /** SQLite pragmas for the dbFile (`--sqlite-pragma NAME=VALUE`); default: sqliteFilePragmas. */
  sqlitePragmas?: Record<string, string>;
}

/**
 * How the server writes its SQLite file. Its defaults (a rollback journal, synchronous FULL) sync
 * the disk several times per transaction, and every workflow task, activity dispatch and completion
 * is one: on a shared disk that doubled the availability gate's latency (bench --drift: median
 * 2.6-3.0 s against 1.4 s with these). With a write-ahead log and synchronous NORMAL, a commit
 * survives any crash of a process (the stack's, the server's: what the fault tests kill); only a
 * power loss or an OS crash may lose the last commits, after which an activity is run again, which
 * every KeySync activity allows (an import finds the keys it made and skips them).
 */
export const sqliteFilePragmas: Readonly<Record<string, string>> = { journal_mode: 'wal', synchronous: 'normal' };

/** How the server process ended: so a supervisor can say it (exit code or signal). */
export type DevServerExit = ProcessExit;

export interface DevServer {
  /** host:port of the frontend, for Connection/NativeConnection. */
  address: string;
  /** Web UI address, or null when headless. */
  uiUrl: string | null;
  namespace: string;
  pid: number;
  /** Settles when the server process has exited (after stop(), or on its own), with how it ended. */
  exited: Promise<DevServerExit>;
  /** SIGTERM, then SIGKILL after the grace period; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

const HOST = '127.0.0.1';

/** The command line of `temporal server start-dev` for these options. */
export function devServerArgs(options: DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', HOST, '--port', String(options.port), '--namespace', options.namespace ?? 'default'];
  args.push('--log-level', options.logLevel ?? 'warn');
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  if (options.dbFile) for (const [name, value] of Object.entries(options.sqlitePragmas ?? sqliteFilePragmas)) args.push('--sqlite-pragma', `${name}=${value}`);
  for (const [key, value] of Object.entries(serverDynamicConfig)) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  if (options.headless) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort ?? options.port + 1000));
  args.push(...searchAttributeFlags());
  return args;
}

async function assertPortsFree(options: DevServerOptions): Promise<void> {
  const wanted: Array<[string, number]> = [['Temporal frontend', options.port]];
  if (!options.headless) wanted.push(['Temporal Web UI', options.uiPort ?? options.port + 1000]);
  for (const [what, port] of wanted) {
    if (!(await isPortFree(port, HOST))) {
      throw new Error(
        `Port ${port} (${what}) is already in use on ${HOST}. Stop whatever listens there ` +
          '(another `npm start`?), or move the port with KEYSYNC_TEMPORAL_PORT / KEYSYNC_UI_PORT.',
      );
    }
  }
}

async function waitForUi(uiUrl: string, deadline: number): Promise<void> {
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(uiUrl, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`The Temporal Web UI did not answer on ${uiUrl} (last error: ${lastError}).`);
}

/**
 * Starts the dev server and returns once it answers, with the KeySync search attributes
 * registered and the retention raised. On any failure the process is stopped before the error.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const namespace = options.namespace ?? 'default';
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const cli = options.cliPath ?? requireTemporalCli();
  await assertPortsFree(options);

  const server = await spawnWatched(cli, devServerArgs(options), { detached: options.ownProcessGroup ?? false }, {
    what: `the Temporal CLI at ${cli}`,
    ...(options.logFile ? { logFile: options.logFile } : {}),
  });
  const { child, stop } = server;
  const address = `${HOST}:${options.port}`;
  const uiUrl = options.headless ? null : `http://${HOST}:${options.uiPort ?? options.port + 1000}`;
  try {
    const connection = await waitForTemporal(address, namespace, timeoutMs, server.hasExited).catch((error: unknown) => {
      const why = server.hasExited() ? `The Temporal dev server exited (${String(child.exitCode ?? child.signalCode)}) before it answered.` : (error as Error).message;
      throw new Error(`${why} Its output:\n${server.outputTail()}`);
    });
    try {
      await prepareNamespace(connection, namespace, options.retentionDays ?? DEFAULT_RETENTION_DAYS);
    } finally {
      await connection.close();
    }
    if (uiUrl) await waitForUi(uiUrl, Date.now() + timeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, uiUrl, namespace, pid: server.pid, exited: server.exited, stop };
}
