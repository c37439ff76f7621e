// One child process of the stack (worker, API): started in its own process group so that the
// stack, not the terminal's Ctrl-C, decides the order of shutdown; stopped with SIGTERM, then
// SIGKILL after a grace period. Its output goes to run/<component>.log (see component-output.ts).
import { spawn } from 'node:child_process';
import { routeOutput } from './component-output';

export interface ComponentExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ComponentProcess {
  name: string;
  pid: number;
  /** Settles when the process has exited, for whatever reason. */
  exited: Promise<ComponentExit>;
  stop(graceMs?: number): Promise<ComponentExit>;
}

/** Starts `node <nodeFlags> <entry> <args>`; its output goes to `logFile`, warnings and errors also to the terminal. */
export async function startComponent(name: string, entry: string, args: string[], env: NodeJS.ProcessEnv, logFile: string, nodeFlags: readonly string[] = []): Promise<ComponentProcess> {
  const child = spawn(process.execPath, ['--enable-source-maps', ...nodeFlags, entry, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  routeOutput(name, [child.stdout, child.stderr], logFile);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) => reject(new Error(`Could not start the ${name} (${entry}): ${error.message}`)));
  });
  const exited = new Promise<ComponentExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let stopping: Promise<ComponentExit> | null = null;
  const stop = (graceMs = 10_000): Promise<ComponentExit> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    })();
    return stopping;
  };
  return { name, pid: child.pid ?? -1, exited, stop };
}
