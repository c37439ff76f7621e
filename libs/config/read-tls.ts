// Checks the TLS settings of a configuration: which PEM files make up this process's TLS identity
// (temporal.tls for its connection to Temporal, api.tls for the API's HTTPS). Only the fields are
// checked here; whether the files exist, parse and belong together is checked at load
// (tls-problems.ts), so a validation without a file system (tests, the demo writer) still works.
import { isAbsolute, resolve } from 'node:path';
import { join } from './config-reader';
import type { ConfigReader, Json } from './config-reader';
import type { ApiTlsConfig, TemporalTlsConfig } from './types';

function file(r: ConfigReader, value: Json, field: string, baseDir: string): string {
  const text = r.string(value, field);
  return text === '' || isAbsolute(text) ? text : resolve(baseDir, text);
}

/** `temporal.tls`: { caFile?, certFile, keyFile, serverName? }. */
export function readTemporalTls(r: ConfigReader, value: Json, field: string, baseDir: string): TemporalTlsConfig {
  const tls = r.object(value, field, ['caFile', 'certFile', 'keyFile', 'serverName']) ?? {};
  const settings: TemporalTlsConfig = {
    certFile: file(r, tls.certFile, join(field, 'certFile'), baseDir),
    keyFile: file(r, tls.keyFile, join(field, 'keyFile'), baseDir),
  };
  if (tls.caFile !== undefined) settings.caFile = file(r, tls.caFile, join(field, 'caFile'), baseDir);
  if (tls.serverName !== undefined) {
    settings.serverName = r.string(tls.serverName, join(field, 'serverName'), { pattern: /^[A-Za-z0-9.-]+$/, hint: 'must be a host name, as the server certificate names it' });
  }
  return settings;
}

/** `api.tls`: { certFile, keyFile }. */
export function readApiTls(r: ConfigReader, value: Json, field: string, baseDir: string): ApiTlsConfig {
  const tls = r.object(value, field, ['certFile', 'keyFile']) ?? {};
  return { certFile: file(r, tls.certFile, join(field, 'certFile'), baseDir), keyFile: file(r, tls.keyFile, join(field, 'keyFile'), baseDir) };
}
