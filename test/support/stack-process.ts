// Runs the compiled `npm start` entry (dist/apps/stack/main.js), or `npm run start:production`'s
// (dist/apps/stack/production/main.js), as a user would, with its own state folder and ports, for
// end-to-end tests.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../libs/config/paths';
import type { StackPorts } from '../../libs/config/ports';
import { freePort } from '../../libs/config/ports';
import { waitFor } from './wait-for';

export interface StackUnderTest {
  child: ChildProcess;
  home: string;
  ports: StackPorts;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  stdout(): string;
  /** Settles with its exit, whatever ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** Resolves when the banner is printed; rejects if the process exits first. */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGTERM, and the exit it led to. */
  terminate(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const entries = {
  embedded: { entry: ['apps', 'stack', 'main.js'], source: ['apps', 'stack', 'stack.ts'] },
  production: { entry: ['apps', 'stack', 'production', 'main.js'], source: ['apps', 'stack', 'production', 'production-stack.ts'] },
};

export type StackShape = keyof typeof entries;

export function compiledStackEntry(shape: StackShape = 'embedded'): string {
  const entry = join(repoRoot(), 'dist', ...entries[shape].entry);
  const source = join(repoRoot(), ...entries[shape].source);
  if (!existsSync(entry) || statSync(entry).mtimeMs < statSync(source).mtimeMs) {
    throw new Error(`${entry} is missing or older than its source: run \`npm run build\` (npm test does it) before this test.`);
  }
  return entry;
}

export async function freeStackPorts(): Promise<StackPorts> {
  return { api: await freePort(), temporal: await freePort(), ui: await freePort() };
}

/** The production shape takes Temporal's ports upward from a base below 32768 (membership ports must fit a smallint): a random one. */
export async function freeProductionStackPorts(): Promise<StackPorts> {
  return { api: await freePort(), temporal: 20_000 + Math.floor(Math.random() * 10_000), ui: await freePort() };
}

export function startStackProcess(home: string, ports: StackPorts, extraEnv: NodeJS.ProcessEnv = {}, shape: StackShape = 'embedded'): StackUnderTest {
  const child = spawn(process.execPath, [compiledStackEntry(shape)], {
    cwd: repoRoot(),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      KEYSYNC_HOME: home,
      KEYSYNC_API_PORT: String(ports.api),
      KEYSYNC_TEMPORAL_PORT: String(ports.temporal),
      KEYSYNC_UI_PORT: String(ports.ui),
      KEYSYNC_CONFIG: '',
      SOFTHSM2_CONF: '',
      ...extraEnv,
    },
  });
  let all = '';
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    all += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => (all += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;

  return {
    child,
    home,
    ports,
    output: () => all,
    stdout: () => out,
    exited,
    hasExited,
    async ready(timeoutMs = 150_000) {
      await waitFor(
        () => {
          if (hasExited()) throw new Error(`the stack exited (${String(child.exitCode ?? child.signalCode)}):\n${all.slice(-4000)}`);
          return out.includes('Press Ctrl-C to stop.');
        },
        { timeoutMs, intervalMs: 200, description: 'the stack to print its banner' },
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\n--- stack output ---\n${all.slice(-4000)}`);
      });
    },
    async terminate(timeoutMs = 60_000) {
      if (!hasExited()) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
  };
}
