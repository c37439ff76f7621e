// Where the API is and who we are to it: --api / --token, else KEYSYNC_API_URL / KEYSYNC_TOKEN,
// else the embedded stack's demo.json (found in KEYSYNC_HOME or the repository's .keysync/), whose
// tokens `--as <principal>` picks from.
import { readFileSync } from 'node:fs';
import { statePaths, stateDir } from '../../libs/config/paths';
import { ApiClient } from './api-client';
import { CliError, exitCodes } from './cli-error';

/** The parts of demo.json (DESIGN section 9) the CLI uses. */
export interface DemoFile {
  apiUrl: string;
  temporalUiUrl?: string;
  cluster: string;
  tokens: Record<string, string>;
  approverKeys?: Record<string, string>;
}

export interface ConnectionFlags {
  api?: string;
  token?: string;
  as?: string;
}

export function demoFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return statePaths(stateDir(env)).demo;
}

/** demo.json, or null when there is none (a production install). */
export function readDemoFile(env: NodeJS.ProcessEnv = process.env): DemoFile | null {
  let text: string;
  try {
    text = readFileSync(demoFilePath(env), 'utf8');
  } catch {
    return null;
  }
  try {
    return JSON.parse(text) as DemoFile;
  } catch {
    throw new CliError('demo-file-invalid', `${demoFilePath(env)} is not valid JSON. Remove the state folder's demo.json and start the stack again, or pass --api and --token.`);
  }
}

/**
 * The API client for a command. `defaultPrincipal` is the demo principal whose role the command
 * needs (operator for a sync, auditor for an export...): used only when no token is given at all.
 */
export function connect(flags: ConnectionFlags, defaultPrincipal: string, env: NodeJS.ProcessEnv = process.env): ApiClient {
  // An empty variable counts as unset (a shell's `KEYSYNC_TOKEN= keysync ...`).
  const explicitApi = flags.api || env.KEYSYNC_API_URL || undefined;
  // --as names a demo principal, so it wins over a token from the environment.
  let token = flags.as === undefined ? flags.token || env.KEYSYNC_TOKEN || undefined : undefined;
  const demo = explicitApi && token ? null : readDemoFile(env);
  const baseUrl = explicitApi ?? demo?.apiUrl;
  if (!baseUrl) {
    throw new CliError(
      'no-api',
      `No API address: pass --api <url> or set KEYSYNC_API_URL (or start the embedded stack with \`npm start\`, which writes ${demoFilePath(env)}).`,
      exitCodes.usage,
    );
  }
  if (token === undefined && demo) {
    const principal = flags.as ?? defaultPrincipal;
    token = demo.tokens[principal];
    if (token === undefined) {
      throw new CliError('unknown-principal', `demo.json has no token for "${principal}"; it has: ${Object.keys(demo.tokens).join(', ')}.`, exitCodes.usage);
    }
  }
  if (token === undefined && flags.as !== undefined) {
    throw new CliError('no-demo', `--as picks a token from the demo's ${demoFilePath(env)}, which does not exist. Pass --token or KEYSYNC_TOKEN.`, exitCodes.usage);
  }
  return new ApiClient({ baseUrl, token });
}
