// A small private PKI made with the openssl CLI: a CA, and server or client certificates it signs,
// each key in its own file (mode 0600). For the TLS tests, and for a start that makes its own TLS
// material on first run into the state folder. EC P-256 keys (PKCS#8 PEM), X.509 v3 certificates
// with subjectAltName and extendedKeyUsage, which rustls (the worker's bridge) and Node both check.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertificateFiles {
  /** The certificate, PEM. */
  certFile: string;
  /** Its private key, PEM (PKCS#8), mode 0600. */
  keyFile: string;
}

export interface IssueOptions {
  /** The subject's common name, and the files' base name in `dir`. */
  name: string;
  /** `server-and-client`: a server that also connects to its peers with the same certificate (a Temporal server's internode TLS). */
  usage: 'server' | 'client' | 'server-and-client';
  /** subjectAltName DNS names (a server's host names). */
  dnsNames?: string[];
  /** subjectAltName IP addresses. */
  ipAddresses?: string[];
  days?: number;
}

const EXTENDED_KEY_USAGE: Record<IssueOptions['usage'], string> = { server: 'serverAuth', client: 'clientAuth', 'server-and-client': 'serverAuth,clientAuth' };

function openssl(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, (error, _stdout, stderr) => {
      if (!error) return resolve();
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      reject(new Error(missing ? 'openssl is not installed (Debian: apt-get install openssl).' : `openssl ${args[0]} failed: ${stderr.trim() || `exit code ${String(error.code)}`}`));
    });
  });
}

async function newKey(keyFile: string): Promise<void> {
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
  chmodSync(keyFile, 0o600);
}

/** A self-signed CA in `dir` (`<name>.pem`, `<name>.key`). */
export async function createCertificateAuthority(dir: string, name: string, days = 3650): Promise<CertificateFiles> {
  mkdirSync(dir, { recursive: true });
  const files = { certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}.key`) };
  await newKey(files.keyFile);
  await openssl([
    'req', '-x509', '-new', '-key', files.keyFile, '-subj', `/CN=${name}`, '-days', String(days), '-out', files.certFile,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return files;
}

/** A certificate signed by `ca`, for a server (serverAuth) or a client (clientAuth), in `dir`. */
export async function issueCertificate(ca: CertificateFiles, dir: string, options: IssueOptions): Promise<CertificateFiles> {
  mkdirSync(dir, { recursive: true });
  const files = { certFile: join(dir, `${options.name}.pem`), keyFile: join(dir, `${options.name}.key`) };
  const csr = join(dir, `${options.name}.csr`);
  const extensions = join(dir, `${options.name}.ext`);
  const names = [...(options.dnsNames ?? []).map((dns) => `DNS:${dns}`), ...(options.ipAddresses ?? []).map((ip) => `IP:${ip}`)];
  writeFileSync(
    extensions,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${EXTENDED_KEY_USAGE[options.usage]}`,
      ...(names.length > 0 ? [`subjectAltName=${names.join(',')}`] : []),
      '',
    ].join('\n'),
  );
  try {
    await newKey(files.keyFile);
    await openssl(['req', '-new', '-key', files.keyFile, '-subj', `/CN=${options.name}`, '-out', csr]);
    await openssl([
      'x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-set_serial', `0x${randomBytes(16).toString('hex')}`,
      '-days', String(options.days ?? 825), '-extfile', extensions, '-out', files.certFile,
    ]);
  } finally {
    rmSync(csr, { force: true });
    rmSync(extensions, { force: true });
  }
  return files;
}
