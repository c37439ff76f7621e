// The Temporal Web UI server (github.com/temporalio/ui-server) in a process of its own: its YAML
// configuration written beside it (a Temporal frontend, mutual TLS with a client certificate of
// the stack's CA, its port on loopback only), then started and awaited until it answers HTTP.
// Whether it reaches the namespace is not awaited: the UI stays up while a frontend restarts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { spawnWatched } from '../child-process';
import type { TemporalTlsConfig } from '../config/types';
import { requireTemporalUiServer } from './find-temporal-server';

export interface UiServerConfigOptions {
  /** The configuration's name: `<configDir>/<name>.yaml`. */
  name: string;
  configDir: string;
  /** host:port of a Temporal frontend. */
  frontend: string;
  port: number;
  tls: Required<TemporalTlsConfig>;
  namespace: string;
}

export interface UiServerProcess {
  url: string;
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(graceMs?: number): Promise<void>;
}

/** The UI server's configuration (its keys are its config.Config's YAML names), as JSON, which YAML reads. */
export function uiServerConfig(options: UiServerConfigOptions): Record<string, unknown> {
  return {
    temporalGrpcAddress: options.frontend,
    host: '127.0.0.1',
    port: options.port,
    enableUi: true,
    defaultNamespace: options.namespace,
    notifyOnNewVersion: false,
    // Plain HTTP on loopback: the CSRF cookie cannot be Secure (as the Temporal CLI's dev server sets it).
    cors: { cookieInsecure: true, allowOrigins: [`http://127.0.0.1:${options.port}`, `http://localhost:${options.port}`] },
    tls: {
      caFile: options.tls.caFile,
      certFile: options.tls.certFile,
      keyFile: options.tls.keyFile,
      serverName: options.tls.serverName,
      enableHostVerification: true,
    },
    auth: { enabled: false },
  };
}

export function writeUiServerConfig(options: UiServerConfigOptions): string {
  mkdirSync(options.configDir, { recursive: true, mode: 0o700 });
  const file = join(options.configDir, `${options.name}.yaml`);
  writeFileSync(file, `${JSON.stringify(uiServerConfig(options), null, 2)}\n`, { mode: 0o600 });
  return file;
}

async function waitForHttp(url: string, hasExited: () => boolean, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline && !hasExited()) {
    try {
      await (await fetch(url, { signal: AbortSignal.timeout(2_000) })).arrayBuffer();
      return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(hasExited() ? `The Temporal Web UI server exited while starting; see ${logFile}.` : `The Temporal Web UI server did not answer at ${url} (last error: ${lastError}); see ${logFile}.`);
}

export async function startTemporalUiServer(options: { configFile: string; port: number; logFile: string; startTimeoutMs?: number }): Promise<UiServerProcess> {
  const binary = requireTemporalUiServer();
  const server = await spawnWatched(
    binary,
    ['--root', dirname(options.configFile), '--config', '.', '--env', basename(options.configFile, '.yaml'), 'start'],
    { detached: true, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } },
    { what: `the Temporal Web UI server ${binary}`, logFile: options.logFile, graceMs: 10_000 },
  );
  const url = `http://127.0.0.1:${options.port}`;
  try {
    await waitForHttp(url, server.hasExited, options.logFile, options.startTimeoutMs ?? 60_000);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { url, pid: server.pid, exited: server.exited, stop: server.stop };
}
