// Finds the Temporal CLI, which carries the dev server. scripts/setup.mjs finds or builds it and
// exports TEMPORAL_CLI; this finder covers processes started without it (vitest run directly,
// `node dist/...`), in the same order as the setup script, but never builds anything.
import { cachedToolPath, findTool } from '../tool-finder';
import type { ToolSpec } from '../tool-finder';

/** Same version as scripts/setup.mjs builds: the last tag that `go install` accepts. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

const TEMPORAL_CLI: ToolSpec = { binary: 'temporal', envVar: 'TEMPORAL_CLI', version: TEMPORAL_CLI_VERSION };

/** Where scripts/setup.mjs caches the CLI it builds with Go. */
export function cachedTemporalCliPath(env: NodeJS.ProcessEnv = process.env): string {
  return cachedToolPath(TEMPORAL_CLI, env);
}

/** TEMPORAL_CLI, then `temporal` on the PATH, then the cached build; null when none exists. */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string | null {
  return findTool(TEMPORAL_CLI, env);
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
