// Reads the configuration file (JSON, or YAML by its .yaml/.yml extension) and validates it.
import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './config-error';
import type { KeySyncConfig } from './types';
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

/**
 * Loads and validates the configuration at `file`; throws ConfigError naming every bad field.
 * KEYSYNC_TEMPORAL_ADDRESS, when set, replaces temporal.address (containers reach Temporal by
 * service name, not by the address the file was written with).
 */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): KeySyncConfig {
  const absolute = resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(absolute, [{ field: '(file)', problem: `cannot be read (${code}); run \`npm start\` once to create the demo configuration, or set KEYSYNC_CONFIG` }]);
  }
  const config = validateConfig(parseConfigText(text, absolute), absolute, dirname(absolute));
  const address = env.KEYSYNC_TEMPORAL_ADDRESS;
  if (address) {
    if (!/^[^\s:]+:\d{1,5}$/.test(address)) {
      throw new ConfigError(absolute, [{ field: 'temporal.address', problem: 'KEYSYNC_TEMPORAL_ADDRESS, which replaces it, must be host:port' }]);
    }
    config.temporal.address = address;
  }
  return config;
}

/** Sets SOFTHSM2_CONF from the configuration unless the environment already names one. */
export function applySoftHsmEnvironment(config: KeySyncConfig, env: NodeJS.ProcessEnv = process.env): void {
  if (config.softhsm2Conf && !env.SOFTHSM2_CONF) env.SOFTHSM2_CONF = config.softhsm2Conf;
}
