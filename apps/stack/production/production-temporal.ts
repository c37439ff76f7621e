// PostgreSQL, the schema, and the two Temporal server processes on it, then KeySync's namespace
// (long retention) and search attributes, and the Web UI on them: the engine of the production shape, started in order.
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { startPostgres } from '../../../libs/postgres';
import type { PostgresServer } from '../../../libs/postgres';
import { temporalTls } from '../../../libs/temporal/connection';
import { prepareNamespace } from '../../../libs/temporal/prepare-namespace';
import { applyTemporalSchema, ensureNamespace, startTemporalServer, startTemporalUiServer, writeServerConfig, writeUiServerConfig } from '../../../libs/temporal-server';
import type { TemporalServerProcess, UiServerProcess } from '../../../libs/temporal-server';
import { TEMPORAL_PROCESSES } from './production-layout';
import type { ProductionLayout } from './production-layout';
import type { ProductionPaths } from './production-paths';
import { TEMPORAL_SERVER_NAME, tlsFolderConfig } from './production-tls';

const DB_USER = 'temporal';
const NAMESPACE = 'default';

export async function startDatabase(paths: ProductionPaths, layout: ProductionLayout, password: string): Promise<PostgresServer> {
  const server = await startPostgres({ dir: paths.postgres, port: layout.postgres, user: DB_USER, password, logFile: join(paths.run, 'postgresql.log') });
  try {
    await applyTemporalSchema({ host: server.host, port: server.port, user: DB_USER, password });
  } catch (error) {
    await server.stop();
    throw new Error(`Applying the Temporal schema to PostgreSQL failed: ${(error as Error).message}`);
  }
  return server;
}

/** Starts one Temporal server process (index 0 or 1); the caller stops it. */
export async function startTemporalProcess(paths: ProductionPaths, layout: ProductionLayout, password: string, index: number): Promise<TemporalServerProcess> {
  const name = TEMPORAL_PROCESSES[index]!;
  const ports = layout.temporal[index]!;
  const serverTls = join(paths.tls, 'temporal');
  const configFile = writeServerConfig({
    name,
    configDir: paths.temporalServer,
    ports,
    clusterFrontend: `127.0.0.1:${layout.temporal[0]!.frontend}`,
    database: { host: '127.0.0.1', port: layout.postgres, user: DB_USER, password },
    tls: { certFile: join(serverTls, 'cert.pem'), keyFile: join(serverTls, 'key.pem'), caFile: join(serverTls, 'ca.pem'), serverName: TEMPORAL_SERVER_NAME },
    numHistoryShards: 4,
  });
  const tls = temporalTls({ address: '', namespace: NAMESPACE, tls: tlsFolderConfig(join(paths.tls, 'api')) });
  return startTemporalServer({ name, configFile, address: `127.0.0.1:${ports.frontend}`, tls: tls!, logFile: join(paths.run, `${name}.log`) });
}

/** The namespace, its retention and search attributes, through the first frontend over mutual TLS. */
export async function prepareTemporal(paths: ProductionPaths, address: string): Promise<string[]> {
  const tls = temporalTls({ address, namespace: NAMESPACE, tls: tlsFolderConfig(join(paths.tls, 'api')) });
  const connection = await Connection.connect({ address, tls: tls! });
  try {
    await ensureNamespace(connection, NAMESPACE);
    // A namespace just registered takes a moment to reach every frontend's cache.
    for (let attempt = 0; ; attempt++) {
      try {
        return (await prepareNamespace(connection, NAMESPACE)).addedSearchAttributes;
      } catch (error) {
        if (attempt >= 40) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  } finally {
    await connection.close();
  }
}

/** The Temporal Web UI server, a mutual TLS client of the first frontend with its own certificate (tls/ui/), on loopback; the caller stops it. */
export async function startTemporalUi(paths: ProductionPaths, layout: ProductionLayout): Promise<UiServerProcess> {
  const tls = tlsFolderConfig(join(paths.tls, 'ui'));
  const configFile = writeUiServerConfig({
    name: 'ui',
    configDir: paths.temporalUi,
    frontend: `127.0.0.1:${layout.temporal[0]!.frontend}`,
    port: layout.ui,
    tls: { caFile: tls.caFile!, certFile: tls.certFile, keyFile: tls.keyFile, serverName: TEMPORAL_SERVER_NAME },
    namespace: NAMESPACE,
  });
  return startTemporalUiServer({ configFile, port: layout.ui, logFile: join(paths.run, 'ui.log') });
}
