// One Temporal server process (all services) run from its configuration file, in its own process
// group so the stack decides the order of shutdown. It is ready when its frontend answers a mutual
// TLS call; its output goes to its log file only (it logs JSON at info level, too much for a terminal).
import { basename, dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import type { TLSConfig } from '@temporalio/client';
import { spawnWatched } from '../child-process';
import { requireTemporalServer } from './find-temporal-server';

export interface TemporalServerProcessOptions {
  name: string;
  /** `<dir>/<name>.yaml`, as writeServerConfig wrote it. */
  configFile: string;
  address: string;
  tls: TLSConfig;
  logFile: string;
  startTimeoutMs?: number;
}

export interface TemporalServerProcess {
  name: string;
  address: string;
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(graceMs?: number): Promise<void>;
}

async function waitForFrontend(options: TemporalServerProcessOptions, hasExited: () => boolean): Promise<void> {
  const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
  let lastError = '';
  while (Date.now() < deadline && !hasExited()) {
    try {
      const connection = await Connection.connect({ address: options.address, tls: options.tls, connectTimeout: 2_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(
    hasExited()
      ? `The Temporal server ${options.name} exited while starting; see ${options.logFile}.`
      : `The Temporal server ${options.name} did not answer on ${options.address} over mutual TLS (last error: ${lastError}); see ${options.logFile}.`,
  );
}

export async function startTemporalServer(options: TemporalServerProcessOptions): Promise<TemporalServerProcess> {
  const binary = requireTemporalServer();
  const configDir = dirname(options.configFile);
  // --allow-no-auth: mutual TLS decides who may connect (only holders of a certificate from the
  // stack's CA); no per-namespace authorizer is configured on one machine.
  const server = await spawnWatched(
    binary,
    ['--root', configDir, '--config', '.', '--env', basename(options.configFile, '.yaml'), '--allow-no-auth', 'start'],
    { detached: true, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } },
    { what: `the Temporal server ${binary}`, logFile: options.logFile, graceMs: 20_000 },
  );
  const { exited, stop } = server;
  try {
    await waitForFrontend(options, server.hasExited);
  } catch (error) {
    await stop();
    throw error;
  }
  return { name: options.name, address: options.address, pid: server.pid, exited, stop };
}
