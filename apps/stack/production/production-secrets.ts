// The secrets the production shape makes for itself at first start: the PostgreSQL password and
// the S3 root keys. Each in its own 0600 file under secrets/ (0700); processes get them from those
// files (the Temporal server's 0600 configuration, versitygw's environment, configurations'
// {"file"} sources), never from a command line, and they are never printed.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeSecretFile } from '../demo/secret-file';
import type { ProductionPaths } from './production-paths';

export interface ProductionSecrets {
  postgresPassword: string;
  s3AccessKeyId: string;
  s3SecretAccessKey: string;
}

function ensureSecret(file: string, make: () => string): string {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  if (!existsSync(file)) writeSecretFile(file, make());
  return readFileSync(file, 'utf8').trim();
}

export function ensureProductionSecrets(paths: ProductionPaths): ProductionSecrets {
  return {
    postgresPassword: ensureSecret(paths.postgresPassword, () => randomBytes(24).toString('base64url')),
    s3AccessKeyId: ensureSecret(paths.s3AccessKeyId, () => `keysync-${randomBytes(6).toString('hex')}`),
    s3SecretAccessKey: ensureSecret(paths.s3SecretAccessKey, () => randomBytes(30).toString('base64url')),
  };
}
