// A server process the stacks and the test setup start and own (the Temporal dev server and
// server, PostgreSQL, versitygw): spawned, its output appended to its log file with the last lines
// kept for a start-up error, its exit awaited, and stopped once, gently and then by force.
import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface WatchedProcess {
  child: ChildProcess;
  pid: number;
  /** Settles when the process has exited, on its own or stopped. */
  exited: Promise<ProcessExit>;
  hasExited(): boolean;
  /** The last lines it printed: what a failed start shows. */
  outputTail(): string;
  /** The stop signal, then the force signal after the grace period; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface WatchOptions {
  /** For the error when it cannot run: "the Temporal CLI at /path". */
  what: string;
  logFile?: string;
  /** Default SIGTERM (PostgreSQL shuts down fast on SIGINT). */
  stopSignal?: NodeJS.Signals;
  /** Default SIGKILL (PostgreSQL: SIGQUIT, which still takes its children along). */
  forceSignal?: NodeJS.Signals;
  graceMs?: number;
}

const OUTPUT_TAIL_LINES = 30;

/** Starts the process and resolves once it runs; rejects, saying what could not run, otherwise. */
export async function spawnWatched(program: string, args: readonly string[], spawnOptions: SpawnOptions, options: WatchOptions): Promise<WatchedProcess> {
  const child = spawn(program, args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<ProcessExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const lines: string[] = [];
  const log = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : null;
  const keep = (chunk: Buffer): void => {
    log?.write(chunk);
    lines.push(...chunk.toString('utf8').split('\n').filter((line) => line.trim() !== ''));
    lines.splice(0, Math.max(0, lines.length - OUTPUT_TAIL_LINES));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // The log ends on 'close' (every pipe closed), not on 'exit': a server's own children may outlive
  // it and still write. PostgreSQL's backends, when the postmaster is killed, say "terminating
  // connection due to unexpected postmaster exit" after it has gone; writing that to an ended log
  // threw in the stack and took the whole stack down.
  child.once('close', () => log?.end());
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) => reject(new Error(`Could not run ${options.what}: ${error.message}`)));
  });

  const hasExited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  let stopping: Promise<void> | null = null;
  const stop = (graceMs = options.graceMs ?? 10_000): Promise<void> =>
    (stopping ??= (async () => {
      if (!hasExited()) child.kill(options.stopSignal ?? 'SIGTERM');
      const timer = setTimeout(() => child.kill(options.forceSignal ?? 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    })());
  return { child, pid: child.pid ?? -1, exited, hasExited, outputTail: () => lines.join('\n'), stop };
}
