// Checks `packageStore` (DESIGN 15): a folder every agent sees (`dir`), or an S3 bucket for members
// on separate hosts (`s3`), whose keys come from secret sources like a member's PIN. Problems name
// the field and never repeat a value: a key pasted into the file stays out of every message.
import type { PackageStoreConfig, S3PackageStoreConfig } from '../package-store/package-store-config';
import { resolveConfigPath } from './config-path';
import { join } from './config-reader';
import type { ConfigReader, Json } from './config-reader';
import { readSecretSource } from './read-secret-source';

const FIELD = 'packageStore';
const S3_FIELDS = ['endpoint', 'region', 'bucket', 'prefix', 'forcePathStyle', 'accessKeyId', 'secretAccessKey'] as const;
/** AWS's rule for bucket names, which other S3 servers follow. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function readPackageStoreConfig(r: ConfigReader, value: Json, baseDir: string): PackageStoreConfig {
  const store = r.object(value, FIELD, ['dir', 's3']) ?? {};
  if (store.dir !== undefined && store.s3 !== undefined) {
    r.report(FIELD, 'has both dir and s3: give one, a folder every agent sees (dir) or an S3 bucket (s3)');
    return { dir: '' };
  }
  if (store.s3 !== undefined) return { s3: readS3(r, store.s3, join(FIELD, 's3'), baseDir) };
  if (store.dir === undefined) {
    r.report(join(FIELD, 'dir'), 'must be a non-empty string: the folder of the package store; or give packageStore.s3 instead, for members on separate hosts');
    return { dir: '' };
  }
  return { dir: resolveConfigPath(r.string(store.dir, join(FIELD, 'dir')), baseDir) };
}

function readS3(r: ConfigReader, value: Json, field: string, baseDir: string): S3PackageStoreConfig {
  const s3 = r.object(value, field, S3_FIELDS) ?? {};
  const config: S3PackageStoreConfig = {
    endpoint: readEndpoint(r, s3.endpoint, join(field, 'endpoint')),
    region: r.string(s3.region, join(field, 'region')),
    bucket: r.string(s3.bucket, join(field, 'bucket'), { pattern: BUCKET, hint: 'must be an S3 bucket name: 3 to 63 lower-case letters, digits, dots and dashes' }),
    accessKeyId: readSecretSource(r, s3.accessKeyId, join(field, 'accessKeyId'), baseDir, 'the S3 access key id'),
    secretAccessKey: readSecretSource(r, s3.secretAccessKey, join(field, 'secretAccessKey'), baseDir, 'the S3 secret access key'),
  };
  if (s3.prefix !== undefined) {
    config.prefix = r.string(s3.prefix, join(field, 'prefix'), { pattern: /^[^/]/, hint: 'must not start with "/" (object keys are prefix + SHA-256; end it with "/" for a folder-like prefix)' });
  }
  if (s3.forcePathStyle !== undefined) {
    if (typeof s3.forcePathStyle === 'boolean') config.forcePathStyle = s3.forcePathStyle;
    else r.report(join(field, 'forcePathStyle'), 'must be true or false');
  }
  return config;
}

function readEndpoint(r: ConfigReader, value: Json, field: string): string {
  const text = r.string(value, field);
  if (text === '') return text;
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
    r.report(field, 'must be the http:// or https:// URL of the S3 API (for example https://s3.example.com or http://127.0.0.1:7070)');
  } else if (url.username !== '' || url.password !== '') {
    r.report(field, 'must not carry credentials: they come from accessKeyId and secretAccessKey, each an {"env"} or {"file"} source');
  }
  return text;
}
