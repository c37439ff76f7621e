// Runs `keysync` as a user types it: a child process of the CLI's entry (from source through tsx,
// so the test exercises the code as it is now), with the environment of the stack under test.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../../libs/config/paths';
import { waitFor } from '../../support/wait-for';

const cliEntry = join(repoRoot(), 'apps', 'cli', 'main.ts');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<CliRun>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv): RunningCli {
  const child = spawn(process.execPath, ['--import', 'tsx', cliEntry, ...args], {
    cwd: repoRoot(),
    // No TTY here: the CLI must print plain lines, which is what these tests read.
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KEYSYNC_API_URL: '', KEYSYNC_TOKEN: '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<CliRun>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForStdout: (pattern, timeoutMs = 60_000) =>
      waitFor(
        () => {
          if (child.exitCode !== null) throw new Error(`keysync ${args.join(' ')} exited ${child.exitCode}:\n${stdout}\n${stderr}`);
          return pattern.exec(stdout);
        },
        { timeoutMs, intervalMs: 100, description: `keysync ${args.join(' ')} to print ${String(pattern)}` },
      ),
    exited,
  };
}

export async function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<CliRun> {
  const running = startCli(args, env);
  const timer = setTimeout(() => running.child.kill('SIGKILL'), timeoutMs);
  try {
    return await running.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a command with --json and parses its stdout; throws with its output when it fails. */
export async function cliJson<T>(args: string[], env: NodeJS.ProcessEnv): Promise<T> {
  const result = await runCli([...args, '--json'], env);
  if (result.code !== 0) throw new Error(`keysync ${args.join(' ')} exited ${String(result.code)}:\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** Splits a documented command line (`keysync sync --from node1 ...`) into its arguments. */
export function documentedArgs(line: string): string[] {
  const words = line.trim().split(/\s+/);
  if (words[0] !== 'keysync') throw new Error(`not a keysync command line: ${line}`);
  return words.slice(1);
}
