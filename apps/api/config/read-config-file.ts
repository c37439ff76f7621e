// A small reader for config.json, used until libs/config's loader lands. It checks only what
// the API relies on and names the field at fault; it never echoes a value.
import { readFileSync } from 'node:fs';
import type { KeySyncConfig } from '../../../libs/config/types';

function fail(path: string, field: string, expected: string): never {
  throw new Error(`Configuration ${path}: "${field}" ${expected}. Fix the file and start again.`);
}

export function readConfigFile(path: string): KeySyncConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`Configuration ${path} could not be read as JSON (${(error as Error).message}). Fix the file or KEYSYNC_CONFIG.`);
  }
  const config = parsed as Partial<KeySyncConfig>;
  if (typeof config.temporal?.address !== 'string') fail(path, 'temporal.address', 'must be a host:port string');
  if (typeof config.temporal.namespace !== 'string') fail(path, 'temporal.namespace', 'must be a string');
  if (!Array.isArray(config.clusters)) fail(path, 'clusters', 'must be a list');
  if (!Array.isArray(config.principals)) fail(path, 'principals', 'must be a list');
  config.principals.forEach((principal, index) => {
    if (!/^[0-9a-fA-F]{64}$/.test(String(principal?.tokenSha256))) fail(path, `principals[${index}].tokenSha256`, 'must be 64 hex digits (a SHA-256)');
  });
  return config as KeySyncConfig;
}
