// Keeps one part of `npm start` running (DESIGN section 9, issue 11): a part that dies on its own is
// restarted after the delay restart-policy.ts decides, said so on the terminal and in the part's
// log, and its pid file rewritten; one that keeps dying is given up on, and the stack told why.
// stop() wins over a restart in flight: a process started while stopping is stopped at once.
import { appendFileSync } from 'node:fs';
import { decideRestart, DEFAULT_RESTART_POLICY } from './restart-policy';
import type { RestartPolicy } from './restart-policy';
import { removePidFile, writePidFile } from './pid-files';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One run of a part: what the supervisor needs of a worker, the API or the Temporal dev server. */
export interface SupervisedProcess {
  pid: number;
  exited: Promise<ProcessExit>;
  stop(): Promise<unknown>;
}

export interface SupervisorOptions {
  /** Pid and log file name: run/<name>.pid, run/<name>.log. */
  name: string;
  /** How a person calls it: "the worker", "the Temporal dev server". */
  title: string;
  start: () => Promise<SupervisedProcess>;
  runDir: string;
  logFile: string;
  /** A line for the terminal. */
  warn: (line: string) => void;
  /** Called once, with a complete sentence, when the part keeps dying. */
  onGiveUp: (reason: string) => void;
  policy?: RestartPolicy;
  now?: () => number;
}

export interface Supervisor {
  /** The pid of the part's current process. */
  pid(): number;
  /** Stops the part (and any restart in flight) and removes its pid file. */
  stop(): Promise<void>;
}

export function describeExit(exit: ProcessExit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${String(exit.code)}`;
}

function duration(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`;
}

/** Starts the part's first process (its failure is the caller's: the stack does not come up) and watches it. */
export async function supervise(options: SupervisorOptions): Promise<Supervisor> {
  const policy = options.policy ?? DEFAULT_RESTART_POLICY;
  const now = options.now ?? Date.now;
  // The part's log gets the supervisor's lines as pino-shaped JSON, like the lines around them.
  const note = (msg: string): void => {
    try {
      appendFileSync(options.logFile, `${JSON.stringify({ level: 40, time: now(), component: 'stack', msg })}\n`);
    } catch {
      // the log folder is gone: the terminal line is enough
    }
  };

  let current = await options.start();
  writePidFile(options.runDir, options.name, current.pid);
  let stopping = false;
  const exitTimes: number[] = [];
  let wake: () => void = () => undefined;
  let restarting: Promise<void> | null = null;

  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const restart = async (exit: string): Promise<void> => {
    let how = exit;
    for (;;) {
      const at = now();
      const decision = decideRestart(exitTimes, at, policy);
      exitTimes.push(at);
      if (decision.action === 'give-up') {
        const reason =
          `${options.title} keeps dying (${decision.exits} exits within ${duration(decision.windowMs)}, the last: ${how}). ` +
          `See its log, ${options.logFile}, fix what it says, then start again.`;
        note(reason);
        options.onGiveUp(reason);
        return;
      }
      const line = `${options.title} exited on its own (${how}): restarting it in ${duration(decision.delayMs)}; its log: ${options.logFile}`;
      options.warn(line);
      note(line);
      await wait(decision.delayMs);
      if (stopping) return;
      try {
        const next = await options.start();
        if (stopping) {
          await next.stop();
          return;
        }
        current = next;
        writePidFile(options.runDir, options.name, next.pid);
        note(`${options.title} restarted (pid ${next.pid})`);
        watch(next);
        return;
      } catch (error) {
        // A start that fails counts as one more exit: the policy decides whether to try again.
        how = `could not start again: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
        if (stopping) return;
      }
    }
  };

  const watch = (run: SupervisedProcess): void => {
    void run.exited.then((exit) => {
      if (stopping || run !== current) return;
      restarting = restart(describeExit(exit)).finally(() => (restarting = null));
    });
  };
  watch(current);

  let stopped: Promise<void> | null = null;
  return {
    pid: () => current.pid,
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        wake();
        await restarting;
        await current.stop();
        removePidFile(options.runDir, options.name);
      })()),
  };
}
