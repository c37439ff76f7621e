// Runs the compiled `npm run start:production` entry as a user would, on a state folder and ports of
// the test's, and reads the pid files it writes: what every production-shape test starts from.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../../libs/config/paths';
import { freePort } from '../../../libs/config/ports';
import { waitFor } from '../../support/wait-for';

/** Every process of the shape, by its pid file's name, in start order. */
export const PRODUCTION_PARTS = ['postgresql', 'temporal-1', 'temporal-2', 'ui', 's3', 'api', 'orchestrator-1', 'orchestrator-2', 'agent-node1', 'agent-node2', 'agent-node3'];

export interface ProductionPorts {
  api: number;
  /** Temporal's ports are taken upward from this base, kept below 32768 (membership ports must fit a smallint). */
  temporalBase: number;
  ui: number;
}

export interface ProductionUnderTest {
  child: ChildProcess;
  home: string;
  apiUrl: string;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Settles with its exit. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** Resolves when the banner is printed; rejects if the process exits first. */
  ready(timeoutMs?: number): Promise<void>;
}

export async function freeProductionPorts(): Promise<ProductionPorts> {
  return { api: await freePort(), temporalBase: 20_000 + Math.floor(Math.random() * 10_000), ui: await freePort() };
}

/** Starts `start:production` from dist on `home`; a second start on the same folder passes the same ports. */
export function startProductionProcess(home: string, ports: ProductionPorts): ProductionUnderTest {
  const entry = join(repoRoot(), 'dist', 'apps', 'stack', 'production', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry}: run \`npm run build\` first (npm test does it).`);
  const child = spawn(process.execPath, [entry], {
    cwd: repoRoot(),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KEYSYNC_HOME: home, KEYSYNC_API_PORT: String(ports.api), KEYSYNC_TEMPORAL_PORT: String(ports.temporalBase), KEYSYNC_UI_PORT: String(ports.ui), KEYSYNC_CONFIG: '', SOFTHSM2_CONF: '' },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const hasExited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    home,
    apiUrl: `http://127.0.0.1:${ports.api}`,
    output: () => output,
    exited,
    hasExited,
    ready: async (timeoutMs = 240_000) => {
      await waitFor(
        () => {
          if (hasExited()) throw new Error(`start:production exited (${child.exitCode ?? child.signalCode}):\n${output.slice(-4000)}`);
          return output.includes('Press Ctrl-C to stop.');
        },
        { timeoutMs, intervalMs: 200, description: `start:production on ${home} to print its banner` },
      );
    },
  };
}

/** run/<name>.pid of the state folder, by name. */
export function pidFiles(home: string): Record<string, number> {
  const run = join(home, 'run');
  return Object.fromEntries(
    readdirSync(run)
      .filter((name) => name.endsWith('.pid'))
      .map((name) => [name.replace(/\.pid$/, ''), Number(readFileSync(join(run, name), 'utf8').trim())]),
  );
}
