// TLS material for processes on separate hosts, one folder per identity: `ca.pem` (the CA every
// party trusts), `cert.pem` and `key.pem` (its own certificate and key). A host (or a container)
// mounts its own folder and nothing else; the CA's key stays in `<root>/ca/`. Made once: an
// existing folder is kept, so a second run changes nothing.
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificateAuthority, issueCertificate } from '../../../libs/tls/openssl-pki';
import type { IssueOptions } from '../../../libs/tls/openssl-pki';

export interface TlsIdentity {
  name: string;
  usage: IssueOptions['usage'];
  /** The host names a server's certificate carries (IP addresses are recognised). */
  names: string[];
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const USAGES: ReadonlyArray<IssueOptions['usage']> = ['server', 'client', 'server-and-client'];

/** `<name>=<usage>[:<host>,<host>...]`, e.g. `temporal=server-and-client:temporal,localhost` or `node1=client`. */
export function parseTlsIdentity(spec: string): TlsIdentity {
  const match = /^([a-z0-9][a-z0-9-]*)=([a-z-]+)(?::(.+))?$/.exec(spec);
  const usage = match?.[2] as IssueOptions['usage'] | undefined;
  if (!match || !usage || !USAGES.includes(usage)) {
    throw new Error(`"${spec}" is not <name>=<usage>[:<host>,...] with usage ${USAGES.join(', ')} (e.g. temporal=server-and-client:temporal,localhost).`);
  }
  return { name: match[1]!, usage, names: match[3] ? match[3].split(',').filter((name) => name !== '') : [] };
}

/** The CA in `<root>/ca/`, then `<root>/<name>/{ca.pem,cert.pem,key.pem}` for each identity that lacks its folder's certificate. */
export async function ensureTlsFolders(root: string, identities: TlsIdentity[], caName = 'keysync-ca'): Promise<{ created: string[] }> {
  const caDir = join(root, 'ca');
  const ca = existsSync(join(caDir, `${caName}.pem`))
    ? { certFile: join(caDir, `${caName}.pem`), keyFile: join(caDir, `${caName}.key`) }
    : await createCertificateAuthority(caDir, caName);
  const created: string[] = [];
  for (const identity of identities) {
    const dir = join(root, identity.name);
    if (existsSync(join(dir, 'cert.pem'))) continue;
    mkdirSync(dir, { recursive: true });
    const issued = await issueCertificate(ca, dir, {
      name: identity.name,
      usage: identity.usage,
      dnsNames: identity.names.filter((name) => !IPV4.test(name)),
      ipAddresses: identity.names.filter((name) => IPV4.test(name)),
    });
    renameSync(issued.keyFile, join(dir, 'key.pem'));
    renameSync(issued.certFile, join(dir, 'cert.pem'));
    copyFileSync(ca.certFile, join(dir, 'ca.pem'));
    created.push(identity.name);
  }
  return { created };
}
