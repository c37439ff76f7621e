// Runs `temporal server start-dev` as a child process: the embedded Temporal of `npm start`
// (SQLite file, Web UI) and of the test run (headless, in memory). A real server, never a mock.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { isPortFree } from '../config/ports';
import { requireTemporalCli } from './find-cli';
import { prepareNamespace, waitForTemporal } from './prepare-namespace';
import { DEFAULT_RETENTION_DAYS } from './retention';
import { searchAttributeFlags } from './search-attributes';

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
}

/** How the server process ended: so a supervisor can say it (exit code or signal). */
export interface DevServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

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
const OUTPUT_TAIL_LINES = 30;

/** The command line of `temporal server start-dev` for these options. */
export function devServerArgs(options: DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', HOST, '--port', String(options.port), '--namespace', options.namespace ?? 'default'];
  args.push('--log-level', options.logLevel ?? 'warn');
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  if (options.headless) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort ?? options.port + 1000));
  args.push(...searchAttributeFlags());
  return args;
}

/** Keeps the last lines a process printed, so a failed start can say why. */
function tailOf(child: ChildProcess, logFile: string | undefined): () => string {
  const lines: string[] = [];
  const log = logFile ? createWriteStream(logFile, { flags: 'a' }) : null;
  const keep = (chunk: Buffer): void => {
    log?.write(chunk);
    lines.push(...chunk.toString('utf8').split('\n').filter((line) => line.trim() !== ''));
    lines.splice(0, Math.max(0, lines.length - OUTPUT_TAIL_LINES));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', () => log?.end());
  return () => lines.join('\n');
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

function waitForExit(child: ChildProcess): Promise<DevServerExit> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

function stopper(child: ChildProcess): (graceMs?: number) => Promise<void> {
  let stopping: Promise<void> | null = null;
  return (graceMs = 10_000) => {
    stopping ??= (async () => {
      const exited = waitForExit(child);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };
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

  const child = spawn(cli, devServerArgs(options), { stdio: ['ignore', 'pipe', 'pipe'], detached: options.ownProcessGroup ?? false });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) => reject(new Error(`Could not run the Temporal CLI at ${cli}: ${error.message}`)));
  });
  const output = tailOf(child, options.logFile);
  const stop = stopper(child);
  const address = `${HOST}:${options.port}`;
  const uiUrl = options.headless ? null : `http://${HOST}:${options.uiPort ?? options.port + 1000}`;
  try {
    await spawned;
    const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
    const connection = await waitForTemporal(address, namespace, timeoutMs, exited).catch((error: unknown) => {
      const why = exited() ? `The Temporal dev server exited (${String(child.exitCode ?? child.signalCode)}) before it answered.` : (error as Error).message;
      throw new Error(`${why} Its output:\n${output()}`);
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
  return { address, uiUrl, namespace, pid: child.pid ?? -1, exited: waitForExit(child), stop };
}
