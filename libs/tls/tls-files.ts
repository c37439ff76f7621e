// Reads and checks the PEM files of a TLS identity (a certificate, its key, the CA to trust), so a
// wrong file is a start-up error naming the file and what is wrong with it, never a handshake that
// fails later or a connection that hangs. Messages name files and fields, never their contents.
import { readFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** The files of one TLS identity, each with the configuration field that names it. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
  caFile?: string;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

export interface TlsFileProblem {
  /** The configuration field that names the file, e.g. temporal.tls.keyFile. */
  field: string;
  /** What is wrong, starting with the file's path. */
  problem: string;
}

export class TlsFileError extends Error {
  override readonly name = 'TlsFileError';

  constructor(readonly problems: TlsFileProblem[]) {
    super(`TLS files are not usable:\n${problems.map(({ field, problem }) => `  - ${field}: ${problem}`).join('\n')}`);
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function read(file: string, field: string, problems: TlsFileProblem[]): Buffer | null {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    problems.push({ field, problem: `${file} cannot be read (${code}): check the path and that this process's user may read it` });
    return null;
  }
}

function certificates(pem: Buffer): X509Certificate[] {
  return (pem.toString('latin1').match(PEM_CERTIFICATE) ?? []).flatMap((block) => {
    try {
      return [new X509Certificate(block)];
    } catch {
      return [];
    }
  });
}

function checkValidity(certificate: X509Certificate, file: string, field: string, problems: TlsFileProblem[], now: Date): void {
  if (new Date(certificate.validTo) < now) problems.push({ field, problem: `${file} holds a certificate that expired on ${certificate.validTo}: issue a new one` });
  else if (new Date(certificate.validFrom) > now) problems.push({ field, problem: `${file} holds a certificate not valid before ${certificate.validFrom}: check this host's clock` });
}

/**
 * Every problem of the files: unreadable, not PEM, expired, or a key that is not the certificate's.
 * `fields` prefixes each problem's field (`temporal.tls` gives temporal.tls.certFile ...).
 */
export function tlsFileProblems(files: TlsFiles, fields: string, now = new Date()): TlsFileProblem[] {
  const problems: TlsFileProblem[] = [];
  const certField = `${fields}.certFile`;
  const keyField = `${fields}.keyFile`;
  const certPem = read(files.certFile, certField, problems);
  const keyPem = read(files.keyFile, keyField, problems);

  const leaf = certPem ? certificates(certPem)[0] : undefined;
  if (certPem && !leaf) problems.push({ field: certField, problem: `${files.certFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` });
  if (leaf) checkValidity(leaf, files.certFile, certField, problems, now);

  let key: KeyObject | undefined;
  if (keyPem) {
    try {
      key = createPrivateKey(keyPem);
    } catch {
      problems.push({ field: keyField, problem: `${files.keyFile} holds no usable private key: it must be an unencrypted PEM key (PKCS#8, PKCS#1 or SEC1)` });
    }
  }
  if (leaf && key && !leaf.checkPrivateKey(key)) {
    problems.push({ field: keyField, problem: `${files.keyFile} is not the key of the certificate in ${files.certFile}: give the key that certificate was issued for` });
  }

  if (files.caFile !== undefined) {
    const caField = `${fields}.caFile`;
    const caPem = read(files.caFile, caField, problems);
    const cas = caPem ? certificates(caPem) : [];
    if (caPem && cas.length === 0) problems.push({ field: caField, problem: `${files.caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` });
    for (const ca of cas) checkValidity(ca, files.caFile, caField, problems, now);
  }
  return problems;
}

/** The files' contents, once they pass tlsFileProblems; throws TlsFileError naming each bad file. */
export function readTlsMaterial(files: TlsFiles, fields: string): TlsMaterial {
  const problems = tlsFileProblems(files, fields);
  if (problems.length > 0) throw new TlsFileError(problems);
  return {
    cert: readFileSync(files.certFile),
    key: readFileSync(files.keyFile),
    ...(files.caFile !== undefined ? { ca: readFileSync(files.caFile) } : {}),
  };
}
