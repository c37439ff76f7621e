// Finds the Temporal CLI, which carries the dev server. scripts/setup.mjs finds or builds it and
// exports TEMPORAL_CLI; this finder covers processes started without it (vitest run directly,
// `node dist/...`), in the same order as the setup script, but never builds anything.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Same version as scripts/setup.mjs builds: the last tag that `go install` accepts. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

/** Where scripts/setup.mjs caches the CLI it builds with Go. */
export function cachedTemporalCliPath(env: NodeJS.ProcessEnv = process.env): string {
  const cacheRoot = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cacheRoot, 'keysync', `temporal-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

function onPath(command: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const candidate = dir ? join(dir, command) : '';
    if (candidate && existsSync(candidate)) return candidate;
  }
  return null;
}

/** TEMPORAL_CLI, then `temporal` on the PATH, then the cached build; null when none exists. */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.TEMPORAL_CLI) return existsSync(env.TEMPORAL_CLI) ? env.TEMPORAL_CLI : null;
  const fromPath = onPath('temporal', env);
  if (fromPath) return fromPath;
  const cached = cachedTemporalCliPath(env);
  return existsSync(cached) ? cached : null;
}

/** Like findTemporalCli, but throws an error that says how to get the CLI. */
export function requireTemporalCli(env: NodeJS.ProcessEnv = process.env): string {
  const found = findTemporalCli(env);
  if (found) return found;
  if (env.TEMPORAL_CLI) {
    throw new Error(`TEMPORAL_CLI points at ${env.TEMPORAL_CLI}, which does not exist. Fix the variable or unset it.`);
  }
  throw new Error(
    'The Temporal CLI was not found (not in TEMPORAL_CLI, not `temporal` on the PATH, not at ' +
      `${cachedTemporalCliPath(env)}). Run \`npm start\` or \`npm test\` once: they build it with Go, ` +
      'or install the Temporal CLI and set TEMPORAL_CLI to its path.',
  );
}
