// Where the stack keeps its state (DESIGN section 9): KEYSYNC_HOME, else `.keysync/` in the repository.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The repository root: the nearest folder above this file whose package.json is KeySync's (works from dist/ too). */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'keysync') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Cannot find KeySync's package.json above ${__dirname}.`);
    dir = parent;
  }
}

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.KEYSYNC_HOME ? resolve(env.KEYSYNC_HOME) : join(repoRoot(), '.keysync');
}

/** KEYSYNC_CONFIG, else `config.json` in the state folder. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.KEYSYNC_CONFIG ? resolve(env.KEYSYNC_CONFIG) : join(stateDir(env), 'config.json');
}

/** The files and folders of the state folder, in one place. */
export function statePaths(home: string) {
  return {
    home,
    config: join(home, 'config.json'),
    demo: join(home, 'demo.json'),
    softhsm2Conf: join(home, 'softhsm2.conf'),
    tokens: join(home, 'tokens'),
    pins: join(home, 'pins'),
    approvers: join(home, 'approvers'),
    temporalDb: join(home, 'temporal.db'),
    packages: join(home, 'packages'),
    audit: join(home, 'audit'),
    run: join(home, 'run'),
  };
}

export type StatePaths = ReturnType<typeof statePaths>;
