// Finds versitygw, the S3 server of the tests and of the production-shape start, exactly as the
// Temporal CLI is found: VERSITYGW, then `versitygw` on the PATH, then the cache where
// scripts/setup.mjs builds it (`go install github.com/versity/versitygw/cmd/versitygw@v1.8.0`).
import { cachedToolPath, findTool } from '../tool-finder';
import type { ToolSpec } from '../tool-finder';

/** Same version as scripts/setup.mjs builds. */
export const VERSITYGW_VERSION = 'v1.8.0';

const VERSITYGW: ToolSpec = { binary: 'versitygw', envVar: 'VERSITYGW', version: VERSITYGW_VERSION };

export function cachedVersitygwPath(env: NodeJS.ProcessEnv = process.env): string {
  return cachedToolPath(VERSITYGW, env);
}

export function findVersitygw(env: NodeJS.ProcessEnv = process.env): string | null {
  return findTool(VERSITYGW, env);
}

/** Like findVersitygw, but throws an error that says how to get it. */
export function requireVersitygw(env: NodeJS.ProcessEnv = process.env): string {
  const found = findVersitygw(env);
  if (found) return found;
  if (env.VERSITYGW) throw new Error(`VERSITYGW points at ${env.VERSITYGW}, which does not exist. Fix the variable or unset it.`);
  throw new Error(
    `versitygw was not found (not in VERSITYGW, not on the PATH, not at ${cachedVersitygwPath(env)}). ` +
      `Run \`npm test\` once: it builds it with Go (go install github.com/versity/versitygw/cmd/versitygw@${VERSITYGW_VERSION}), ` +
      'or build it yourself and set VERSITYGW to its path.',
  );
}
