// The worker as a real child process, run from its TypeScript entry through tsx, the way an
// appliance runs `npm run worker -- --member <id>`. Its JSON log lines are kept for inspection.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeySyncConfig } from '../../../libs/config/types';
import { validateConfig } from '../../../libs/config/validate-config';

const repoRoot = join(__dirname, '..', '..', '..');
const workerEntry = join(repoRoot, 'apps', 'worker', 'main.ts');

/** Writes the configuration as the worker will read it, checked by the real validator first. */
export function writeWorkerConfig(config: KeySyncConfig, path: string): string {
  const { api: _api, ...rest } = config;
  const raw = JSON.parse(JSON.stringify(rest)) as Parameters<typeof validateConfig>[0];
  validateConfig(raw, path, repoRoot);
  writeFileSync(path, JSON.stringify(raw, null, 2));
  return path;
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything the process wrote, stdout and stderr. */
  output(): string;
  /** Resolves when the given text appears in the output. */
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `env`: the environment it starts from instead of this process's (a host that shares nothing passes only what it has). */
export function startWorkerProcess(configPath: string, args: string[], options: { env?: NodeJS.ProcessEnv } = {}): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', workerEntry, ...args], {
    cwd: repoRoot,
    env: { ...(options.env ?? process.env), KEYSYNC_CONFIG: configPath, KEYSYNC_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    output: () => output,
    exited,
    waitForOutput(text, timeoutMs = 60_000) {
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (!output.includes(text)) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`The worker process did not print "${text}" within ${timeoutMs} ms. Its output:\n${output.slice(-4000)}`));
        }, timeoutMs);
        listeners.add(check);
        void exited.then(() => {
          if (!output.includes(text)) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`The worker process exited before printing "${text}". Its output:\n${output.slice(-4000)}`));
          }
        });
        check();
      });
    },
  };
}

/** Stops a worker process: SIGTERM and a clean exit, or SIGKILL after the grace time. */
export async function stopWorkerProcess(worker: WorkerProcess, graceMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return worker.exited;
  worker.child.kill('SIGTERM');
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), graceMs);
  try {
    return await worker.exited;
  } finally {
    clearTimeout(timer);
  }
}
