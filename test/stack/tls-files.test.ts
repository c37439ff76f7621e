// TLS files are checked when the configuration loads: a missing, unreadable, non-PEM, expired or
// mismatched file is a start-up error naming the field and the file, never a handshake that fails
// later. The certificates are made here by libs/tls's openssl helper, the one a start reuses.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../libs/config/config-error';
import { loadConfig } from '../../libs/config/load-config';
import { createCertificateAuthority, issueCertificate } from '../../libs/tls/openssl-pki';
import type { CertificateFiles } from '../../libs/tls/openssl-pki';
import { readTlsMaterial, TlsFileError, tlsFileProblems } from '../../libs/tls/tls-files';

const dir = mkdtempSync(join(tmpdir(), 'keysync-tls-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let ca: CertificateFiles;
let server: CertificateFiles;
let client: CertificateFiles;

beforeAll(async () => {
  ca = await createCertificateAuthority(join(dir, 'pki'), 'keysync-test-ca');
  server = await issueCertificate(ca, join(dir, 'pki'), { name: 'api', usage: 'server', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  client = await issueCertificate(ca, join(dir, 'pki'), { name: 'agent', usage: 'client' });
});

function configWith(tls: { temporal?: unknown; api?: unknown }): string {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      temporal: { address: '127.0.0.1:7233', ...(tls.temporal ? { tls: tls.temporal } : {}) },
      api: { port: 3000, ...(tls.api ? { tls: tls.api } : {}) },
      packageStore: { dir: 'packages' },
      auditArchive: { dir: 'audit' },
      clusters: [{ id: 'demo', founder: 'node1', members: [{ id: 'node1' }], approvers: [], policy: { sync: { approvals: 0, timeoutSeconds: 60 }, join: { approvals: 0, timeoutSeconds: 60 } } }],
      principals: [],
    }),
  );
  return file;
}

function loadError(file: string): ConfigError {
  try {
    loadConfig(file, {}, { apiTlsFiles: true });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('TLS files at configuration load', () => {
  it('loads a configuration whose certificates, keys and CA are readable PEM that belong together', () => {
    const config = loadConfig(configWith({ temporal: { caFile: ca.certFile, certFile: client.certFile, keyFile: client.keyFile }, api: server }), {}, { apiTlsFiles: true });
    expect(config.temporal.tls).toEqual({ caFile: ca.certFile, certFile: client.certFile, keyFile: client.keyFile });
    expect(config.api.tls).toEqual(server);
  });

  it('checks api.tls only in the process that serves it: the orchestrator and the set-up never hold the API\'s key', () => {
    const file = configWith({ temporal: { caFile: ca.certFile, certFile: client.certFile, keyFile: client.keyFile }, api: { certFile: server.certFile, keyFile: join(dir, 'not-on-this-host.key') } });
    expect(loadConfig(file, {}).api.tls?.keyFile).toBe(join(dir, 'not-on-this-host.key'));
    expect(loadError(file).issues.map((issue) => issue.field)).toEqual(['api.tls.keyFile']);
  });

  it('names a missing file and a folder given as a file, with the field and the path', () => {
    const missing = join(dir, 'absent', 'agent.pem');
    const error = loadError(configWith({ temporal: { caFile: ca.certFile, certFile: missing, keyFile: dir } }));
    expect(error.issues).toEqual([
      { field: 'temporal.tls.certFile', problem: `${missing} cannot be read (ENOENT): check the path and that this process's user may read it` },
      { field: 'temporal.tls.keyFile', problem: `${dir} cannot be read (EISDIR): check the path and that this process's user may read it` },
    ]);
  });

  it('refuses a CA file that is not PEM, and a key that is not the certificate\'s, without quoting either file', () => {
    const notPem = join(dir, 'ca.der');
    writeFileSync(notPem, 'this is not a certificate');
    const error = loadError(configWith({ temporal: { caFile: notPem, certFile: client.certFile, keyFile: server.keyFile }, api: { certFile: server.certFile, keyFile: client.keyFile } }));
    expect(error.issues).toEqual([
      { field: 'temporal.tls.keyFile', problem: `${server.keyFile} is not the key of the certificate in ${client.certFile}: give the key that certificate was issued for` },
      { field: 'temporal.tls.caFile', problem: `${notPem} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` },
      { field: 'api.tls.keyFile', problem: `${client.keyFile} is not the key of the certificate in ${server.certFile}: give the key that certificate was issued for` },
    ]);
    expect(error.message).not.toContain('PRIVATE KEY');
    expect(error.message).not.toContain('this is not a certificate');
  });

  it('refuses a key file that holds a certificate, and a certificate file that holds a key', () => {
    const error = loadError(configWith({ temporal: { certFile: client.keyFile, keyFile: client.certFile } }));
    expect(error.issues.map((issue) => issue.field)).toEqual(['temporal.tls.certFile', 'temporal.tls.keyFile']);
    expect(error.issues[0]?.problem).toBe(`${client.keyFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
    expect(error.issues[1]?.problem).toBe(`${client.certFile} holds no usable private key: it must be an unencrypted PEM key (PKCS#8, PKCS#1 or SEC1)`);
  });

  it('refuses an expired certificate, saying when it expired', () => {
    const inTenYears = new Date(Date.now() + 10 * 366 * 86_400_000);
    const problems = tlsFileProblems({ certFile: client.certFile, keyFile: client.keyFile }, 'temporal.tls', inTenYears);
    expect(problems.map((problem) => problem.field)).toEqual(['temporal.tls.certFile']);
    expect(problems[0]?.problem).toMatch(/ holds a certificate that expired on .+: issue a new one$/);
    expect(problems[0]?.problem.startsWith(client.certFile)).toBe(true);
  });

  it('reads the material for a connection, or throws a TlsFileError naming the file', () => {
    const material = readTlsMaterial({ certFile: client.certFile, keyFile: client.keyFile, caFile: ca.certFile }, 'temporal.tls');
    expect([material.cert, material.key, material.ca].map((part) => part?.toString('latin1').split('\n')[0])).toEqual([
      '-----BEGIN CERTIFICATE-----',
      '-----BEGIN PRIVATE KEY-----',
      '-----BEGIN CERTIFICATE-----',
    ]);
    expect(() => readTlsMaterial({ certFile: client.certFile, keyFile: join(dir, 'gone.key') }, 'temporal.tls')).toThrow(TlsFileError);
    expect(() => readTlsMaterial({ certFile: client.certFile, keyFile: join(dir, 'gone.key') }, 'temporal.tls')).toThrow(/temporal\.tls\.keyFile: .*gone\.key cannot be read \(ENOENT\)/);
  });
});
