// The Temporal server's configuration for one process of a cluster on PostgreSQL: all four services
// (frontend, history, matching, worker) in it, each on its own loopback ports, membership among the
// processes through the database (ringpop seeds itself from the cluster_membership table), and
// mutual TLS on the frontend. Internode traffic stays plaintext on loopback: it never leaves the host.
// The file holds the database password, so it is written 0600 in a 0700 folder.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { serverDynamicConfig } from '../temporal/server-tuning';

/** The loopback ports of one server process. */
export interface ServerPorts {
  frontend: number;
  frontendMembership: number;
  frontendHttp: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

export const SERVER_PORT_NAMES: ReadonlyArray<keyof ServerPorts> = [
  'frontend', 'frontendMembership', 'frontendHttp', 'history', 'historyMembership', 'matching', 'matchingMembership', 'worker', 'workerMembership',
];

export interface ServerConfigOptions {
  /** The process's name: its configuration is `<configDir>/<name>.yaml` (the server's --env). */
  name: string;
  configDir: string;
  ports: ServerPorts;
  /** The first process's frontend: the cluster's advertised address. */
  clusterFrontend: string;
  database: { host: string; port: number; user: string; password: string };
  /** Frontend TLS: its certificate (also its client certificate towards peers' frontends), key, and the CA clients must be signed by. */
  tls: { certFile: string; keyFile: string; caFile: string; serverName: string };
  numHistoryShards: number;
}

const HOST = '127.0.0.1';

function sqlStore(options: ServerConfigOptions, databaseName: string) {
  const { host, port, user, password } = options.database;
  return {
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${host}:${port}`,
      connectProtocol: 'tcp',
      user,
      password,
      maxConns: 20,
      maxIdleConns: 20,
      maxConnLifetime: '1h',
    },
  };
}

function service(grpcPort: number, membershipPort: number, httpPort?: number) {
  return { rpc: { grpcPort, membershipPort, bindOnIP: HOST, ...(httpPort ? { httpPort } : {}) } };
}

export function serverConfig(options: ServerConfigOptions): Record<string, unknown> {
  const { ports, tls } = options;
  const client = { serverName: tls.serverName, rootCaFiles: [tls.caFile] };
  return {
    log: { stdout: true, level: 'info' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: options.numHistoryShards,
      datastores: { default: sqlStore(options, 'temporal'), visibility: sqlStore(options, 'temporal_visibility') },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: HOST },
      tls: {
        frontend: {
          server: { certFile: tls.certFile, keyFile: tls.keyFile, clientCaFiles: [tls.caFile], requireClientAuth: true },
          client,
        },
        // The system worker (schedules, namespace deletion) is a frontend client like any other: it presents a certificate too.
        systemWorker: { certFile: tls.certFile, keyFile: tls.keyFile, client },
      },
    },
    services: {
      frontend: service(ports.frontend, ports.frontendMembership, ports.frontendHttp),
      history: service(ports.history, ports.historyMembership),
      matching: service(ports.matching, ports.matchingMembership),
      worker: service(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: options.clusterFrontend } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    dynamicConfigClient: { filepath: join(options.configDir, 'dynamicconfig.yaml'), pollInterval: '60s' },
  };
}

/**
 * Workflow updates are how approvals reach a workflow; they are on by default in recent servers,
 * set here so an older default never turns them off. A search attribute registered at start is
 * visible to the very next query (the dev server behaves so too, and the stack registers them
 * on every start).
 */
const DYNAMIC_CONFIG = {
  'frontend.enableUpdateWorkflowExecution': [{ value: true }],
  'frontend.enableUpdateWorkflowExecutionAsyncAccepted': [{ value: true }],
  'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true }],
  // The tuning the dev server runs with too (libs/temporal/server-tuning.ts says why).
  ...Object.fromEntries(Object.entries(serverDynamicConfig).map(([key, value]) => [key, [{ value }]])),
};

/** Writes `<configDir>/<name>.yaml` (0600) and the shared dynamic configuration; returns the file's path. */
export function writeServerConfig(options: ServerConfigOptions): string {
  mkdirSync(options.configDir, { recursive: true, mode: 0o700 });
  chmodSync(options.configDir, 0o700);
  writeFileSync(join(options.configDir, 'dynamicconfig.yaml'), stringify(DYNAMIC_CONFIG));
  const file = join(options.configDir, `${options.name}.yaml`);
  writeFileSync(file, stringify(serverConfig(options)), { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}
