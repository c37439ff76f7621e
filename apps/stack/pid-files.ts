// run/<component>.pid for each process `npm start` runs (DESIGN section 9), and the check that
// refuses to start a second stack on the same state folder.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** True while a process with this pid exists (EPERM: it exists, owned by someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A pid from an old file may have been reused by an unrelated process: count it only if it looks like one of ours. */
function isOurs(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    // The production shape's servers too (start:production), named by their program (cmdline is NUL-separated).
    return commandLine.includes('start-dev') || /apps[/\\](stack|worker|api)[/\\]/.test(commandLine) || /(^|[/\\])(temporal-server|versitygw|postgres)\0/.test(commandLine);
  } catch {
    return true; // no /proc here: trust the pid file
  }
}

export function pidFilePath(runDir: string, component: string): string {
  return join(runDir, `${component}.pid`);
}

export function writePidFile(runDir: string, component: string, pid: number): void {
  mkdirSync(runDir, { recursive: true });
  writeFileSync(pidFilePath(runDir, component), `${pid}\n`);
}

export function removePidFile(runDir: string, component: string): void {
  rmSync(pidFilePath(runDir, component), { force: true });
}

/**
 * Refuses to start when a process named in run/ is still alive (another stack on this state
 * folder, or a child a killed stack left behind); removes pid files of processes that are gone.
 */
export function claimRunDir(runDir: string): void {
  if (!existsSync(runDir)) return;
  const alive: string[] = [];
  for (const file of readdirSync(runDir).filter((name) => name.endsWith('.pid'))) {
    const pid = Number(readFileSync(join(runDir, file), 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isOurs(pid)) alive.push(`${file.replace(/\.pid$/, '')} (pid ${pid})`);
    else rmSync(join(runDir, file), { force: true });
  }
  if (alive.length > 0) {
    throw new Error(
      `KeySync already runs on this state folder: ${alive.join(', ')} per ${runDir}. ` +
        'Stop it first (Ctrl-C in its terminal, or kill those pids), or use another KEYSYNC_HOME.',
    );
  }
}
