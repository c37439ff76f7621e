// Reads the configuration file (JSON, or YAML by its .yaml/.yml extension) and validates it: its
// fields, then the TLS files it names (readable, PEM, each key its certificate's).
import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { tlsFileProblems } from '../tls/tls-files';
import { ConfigError } from './config-error';
import type { ConfigIssue } from './config-error';
import { isAgentConfig } from './types';
import type { KeySyncConfig, WorkerConfig } from './types';
import { looksLikeAgentConfig, validateWorkerConfig } from './validate-agent-config';
import { validateConfig } from './validate-config';

export function parseConfigText(text: string, source: string): unknown {
  const yaml = ['.yaml', '.yml'].includes(extname(source).toLowerCase());
  try {
    return yaml ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    // The parser's message may quote the offending text, which could be a secret: keep only where.
    const where = error instanceof SyntaxError && /position \d+/.exec(error.message)?.[0];
    const linePos = (error as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
    const at = linePos ? `line ${linePos.line}, column ${linePos.col}` : where || 'unknown position';
    throw new ConfigError(source, [{ field: '(file)', problem: `is not valid ${yaml ? 'YAML' : 'JSON'} (at ${at})` }]);
  }
}

function readConfigFile(file: string): { absolute: string; raw: unknown } {
  const absolute = resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(absolute, [{ field: '(file)', problem: `cannot be read (${code}); run \`npm start\` once to create the demo configuration, or set KEYSYNC_CONFIG` }]);
  }
  return { absolute, raw: parseConfigText(text, absolute) };
}

/**
 * KEYSYNC_TEMPORAL_ADDRESS, when set, replaces temporal.address (containers reach Temporal by
 * service name, not by the address the file was written with). Then the TLS files this process
 * uses are checked: temporal.tls always, api.tls for the API only (the others never hold its key).
 */
function finish<T extends WorkerConfig>(config: T, absolute: string, env: NodeJS.ProcessEnv, apiTlsFiles: boolean): T {
  const address = env.KEYSYNC_TEMPORAL_ADDRESS;
  if (address) {
    if (!/^[^\s:]+:\d{1,5}$/.test(address)) {
      throw new ConfigError(absolute, [{ field: 'temporal.address', problem: 'KEYSYNC_TEMPORAL_ADDRESS, which replaces it, must be host:port' }]);
    }
    config.temporal.address = address;
  }
  const issues: ConfigIssue[] = [];
  if (config.temporal.tls) issues.push(...tlsFileProblems(config.temporal.tls, 'temporal.tls'));
  if (apiTlsFiles && !isAgentConfig(config) && config.api.tls) issues.push(...tlsFileProblems(config.api.tls, 'api.tls'));
  if (issues.length > 0) throw new ConfigError(absolute, issues);
  return config;
}

/**
 * Loads and validates the full configuration at `file` (the API, the stack, the set-up); throws
 * ConfigError naming every bad field, and refuses an agent configuration by name. `apiTlsFiles`:
 * also check api.tls's files (the API, which serves HTTPS with them).
 */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env, options: { apiTlsFiles?: boolean } = {}): KeySyncConfig {
  const { absolute, raw } = readConfigFile(file);
  if (looksLikeAgentConfig(raw)) {
    throw new ConfigError(absolute, [
      { field: 'agent', problem: 'makes this an agent configuration, which runs one node agent (npm run worker); this process needs a full configuration (clusters, approvers, principals)' },
    ]);
  }
  return finish(validateConfig(raw, absolute, dirname(absolute)), absolute, env, options.apiTlsFiles ?? false);
}

/** Loads a full configuration or an agent configuration (DESIGN 15), for the worker process. */
export function loadWorkerConfig(file: string, env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const { absolute, raw } = readConfigFile(file);
  return finish(validateWorkerConfig(raw, absolute, dirname(absolute)), absolute, env, false);
}

/**
 * Sets the environment the PKCS#11 modules read at their first C_Initialize, before any token
 * opens; returns the names it set. A member's `environment` is its module's own and replaces an
 * inherited value, which could point at another member's token store (validation refuses two
 * members of one file that disagree). A full configuration's softhsm2Conf gives SOFTHSM2_CONF
 * unless the environment (or a member) already names one.
 */
export function applyModuleEnvironment(config: WorkerConfig, env: NodeJS.ProcessEnv = process.env): string[] {
  const members = isAgentConfig(config) ? [config.agent.member] : config.clusters.flatMap((cluster) => cluster.members);
  const set = new Set<string>();
  for (const member of members) {
    for (const [name, value] of Object.entries(member.environment ?? {})) {
      env[name] = value;
      set.add(name);
    }
  }
  if (!isAgentConfig(config) && config.softhsm2Conf && !env.SOFTHSM2_CONF) {
    env.SOFTHSM2_CONF = config.softhsm2Conf;
    set.add('SOFTHSM2_CONF');
  }
  return [...set];
}
