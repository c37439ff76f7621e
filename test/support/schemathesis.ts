// Finds or installs schemathesis (the schema-driven API fuzzer, from PyPI) for the conformance
// test: a virtual environment in the cache folder, per version, like the Temporal CLI's
// (libs/temporal/find-cli.ts), so a fresh machine installs it once and every later run reuses it.
import { execFile } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Pinned: a new release may add checks or change its report, which should be a change of ours. */
export const SCHEMATHESIS_VERSION = '4.32.5';

export function schemathesisVenvDir(env: NodeJS.ProcessEnv = process.env): string {
  const cacheRoot = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cacheRoot, 'keysync', `schemathesis-${SCHEMATHESIS_VERSION}`);
}

/** Written after pip succeeded: a folder without it is a half-done install, made again. */
const installedMarker = 'keysync-installed';

async function succeeds(command: string, args: string[]): Promise<boolean> {
  try {
    await run(command, args, { timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
}

/** Debian splits venv's pip bootstrap (ensurepip) into python3-venv; install it as setup.mjs installs softhsm2. */
async function ensureVenvModule(): Promise<void> {
  if (!(await succeeds('python3', ['--version']))) {
    throw new Error('The conformance test needs Python 3 (python3 on the PATH) to run schemathesis. On Debian or Ubuntu: apt-get install -y python3 python3-venv');
  }
  if (await succeeds('python3', ['-c', 'import ensurepip, venv'])) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !(await succeeds('apt-get', ['--version']))) {
    throw new Error("python3 cannot make a virtual environment with pip (no ensurepip). Install Debian's python3-venv (sudo apt-get install -y python3-venv), then run the test again.");
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await run('apt-get', ['update', '-q'], { env, timeout: 300_000 });
    await run('apt-get', ['install', '-y', '-q', 'python3-venv'], { env, timeout: 300_000 });
  } catch (error) {
    throw new Error(`apt-get could not install python3-venv: ${(error as { stderr?: string }).stderr ?? String(error)}`);
  }
}

/** The path of the `st` command, installing schemathesis first when the cache has none. */
export async function ensureSchemathesis(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const dir = schemathesisVenvDir(env);
  const st = join(dir, 'bin', 'st');
  if (existsSync(join(dir, installedMarker)) && existsSync(st)) return st;
  rmSync(dir, { recursive: true, force: true });
  await ensureVenvModule();
  try {
    await run('python3', ['-m', 'venv', dir], { timeout: 120_000 });
    await run(join(dir, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`], { timeout: 600_000 });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`Could not install schemathesis ${SCHEMATHESIS_VERSION} from PyPI into ${dir}: ${stderr.trim() || String(error)}`);
  }
  writeFileSync(join(dir, installedMarker), `schemathesis ${SCHEMATHESIS_VERSION}\n`);
  return st;
}
