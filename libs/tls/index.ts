export { readTlsMaterial, TlsFileError, tlsFileProblems } from './tls-files';
export type { TlsFileProblem, TlsFiles, TlsMaterial } from './tls-files';
export { createCertificateAuthority, issueCertificate } from './openssl-pki';
export type { CertificateFiles, IssueOptions } from './openssl-pki';
