// The production shape's certificates, made at first start by its own CA (tls/ca/): the Temporal
// servers' (server and client, for the frontend and the system worker), one client certificate for
// the API, one for the orchestrators, one for the Temporal Web UI server, and one per member's agent, copied into that host's folder
// (a host holds its own certificate only).
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TemporalTlsConfig } from '../../../libs/config/types';
import { ensureTlsFolders } from '../separate-hosts/tls-folders';
import type { ProductionPaths } from './production-paths';

/** The name the servers' certificate carries and clients check (they connect to 127.0.0.1). */
export const TEMPORAL_SERVER_NAME = 'localhost';

export function tlsFolderConfig(dir: string): TemporalTlsConfig {
  return { caFile: join(dir, 'ca.pem'), certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem'), serverName: TEMPORAL_SERVER_NAME };
}

export async function ensureProductionTls(paths: ProductionPaths, members: string[]): Promise<void> {
  await ensureTlsFolders(paths.tls, [
    { name: 'temporal', usage: 'server-and-client', names: [TEMPORAL_SERVER_NAME, '127.0.0.1'] },
    { name: 'api', usage: 'client', names: [] },
    { name: 'orchestrator', usage: 'client', names: [] },
    { name: 'ui', usage: 'client', names: [] },
    ...members.map((member) => ({ name: `agent-${member}`, usage: 'client' as const, names: [] })),
  ]);
  for (const member of members) {
    const hostTls = join(paths.host(member), 'tls');
    if (!existsSync(join(hostTls, 'cert.pem'))) cpSync(join(paths.tls, `agent-${member}`), hostTls, { recursive: true });
  }
}
