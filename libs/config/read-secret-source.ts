// Checks a secret source in the configuration (a member's `pin`, the package store's S3 keys): an
// object naming an environment variable or a file, never the secret itself. Problems name the field
// and never repeat the value, which may be the secret written where its source belongs.
import type { SecretSource } from '../secret-source';
import { resolveConfigPath } from './config-path';
import { join } from './config-reader';
import type { ConfigReader, Json } from './config-reader';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `what` names the secret in the problem ("the PIN", "the S3 secret access key"). Relative files resolve against `baseDir`. */
export function readSecretSource(r: ConfigReader, value: Json, field: string, baseDir: string, what: string): SecretSource {
  if (typeof value === 'string') {
    r.report(field, `must name where ${what} comes from, {"env": "VARIABLE"} or {"file": "path"}; ${what} itself never goes in the configuration`);
    return { env: '' };
  }
  const source = r.object(value, field, ['env', 'file']);
  if (!source) return { env: '' };
  const hasEnv = source.env !== undefined;
  const hasFile = source.file !== undefined;
  if (hasEnv === hasFile) {
    r.report(field, 'must have exactly one of env or file');
    return { env: '' };
  }
  if (hasEnv) return { env: r.string(source.env, join(field, 'env'), { pattern: ENV_NAME, hint: 'must be an environment variable name' }) };
  return { file: resolveConfigPath(r.string(source.file, join(field, 'file')), baseDir) };
}
