// Finds the Temporal server, its SQL schema tool and the Temporal Web UI server that `npm run
// start:production` runs, the way the Temporal CLI is found: the variable, then the PATH, then the
// cache where scripts/setup.mjs builds them (`go install go.temporal.io/server/cmd/server@v1.29.1`,
// `.../cmd/tools/sql@v1.29.1` and `github.com/temporalio/ui-server/v2/cmd/server@v2.42.1`, renamed
// temporal-server, temporal-sql-tool and temporal-ui-server). Never builds anything itself.
import { cachedToolPath, findTool } from '../tool-finder';
import type { ToolSpec } from '../tool-finder';

/** Same version as scripts/setup.mjs builds; the schema tool must match the server. */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';

export const TEMPORAL_SERVER: ToolSpec = { binary: 'temporal-server', envVar: 'TEMPORAL_SERVER', version: TEMPORAL_SERVER_VERSION };
export const TEMPORAL_SQL_TOOL: ToolSpec = { binary: 'temporal-sql-tool', envVar: 'TEMPORAL_SQL_TOOL', version: TEMPORAL_SERVER_VERSION };
/** The UI server the Temporal CLI v1.5.1 embeds (its go.mod), so the production shape shows the same UI as `npm start`. */
export const TEMPORAL_UI_SERVER_VERSION = 'v2.42.1';
export const TEMPORAL_UI_SERVER: ToolSpec = { binary: 'temporal-ui-server', envVar: 'TEMPORAL_UI_SERVER', version: TEMPORAL_UI_SERVER_VERSION };

function requireTool(spec: ToolSpec, what: string, module: string, env: NodeJS.ProcessEnv): string {
  const found = findTool(spec, env);
  if (found) return found;
  if (env[spec.envVar]) throw new Error(`${spec.envVar} points at ${env[spec.envVar]}, which does not exist. Fix the variable or unset it.`);
  throw new Error(
    `${what} was not found (not in ${spec.envVar}, not \`${spec.binary}\` on the PATH, not at ${cachedToolPath(spec, env)}). ` +
      `Run \`npm run start:production\` once: it builds it with Go (go install ${module}@${spec.version}), or build it yourself and set ${spec.envVar} to its path.`,
  );
}

export function requireTemporalServer(env: NodeJS.ProcessEnv = process.env): string {
  return requireTool(TEMPORAL_SERVER, 'The Temporal server', 'go.temporal.io/server/cmd/server', env);
}

export function requireTemporalSqlTool(env: NodeJS.ProcessEnv = process.env): string {
  return requireTool(TEMPORAL_SQL_TOOL, 'The Temporal SQL schema tool', 'go.temporal.io/server/cmd/tools/sql', env);
}

export function requireTemporalUiServer(env: NodeJS.ProcessEnv = process.env): string {
  return requireTool(TEMPORAL_UI_SERVER, 'The Temporal Web UI server', 'github.com/temporalio/ui-server/v2/cmd/server', env);
}
