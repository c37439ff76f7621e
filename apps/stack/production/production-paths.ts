// Where the production shape keeps its parts inside the state folder, in one place. Beside the
// embedded stack's files (config.json, demo.json, approvers/, audit/, run/): the database, the
// Temporal server's and Web UI's configurations, the CA and certificates, the S3 data, secrets, one folder per host.
import { join } from 'node:path';
import { statePaths } from '../../../libs/config/paths';

export function productionPaths(home: string) {
  const base = statePaths(home);
  return {
    ...base,
    /** Ports chosen at first start: the configuration files name them, so they stay. */
    layout: join(home, 'production.json'),
    postgres: join(home, 'postgresql'),
    temporalServer: join(home, 'temporal-server'),
    temporalUi: join(home, 'temporal-ui'),
    tls: join(home, 'tls'),
    s3Data: join(home, 's3'),
    secrets: join(home, 'secrets'),
    postgresPassword: join(home, 'secrets', 'postgres-password'),
    s3AccessKeyId: join(home, 'secrets', 's3-access-key-id'),
    s3SecretAccessKey: join(home, 'secrets', 's3-secret-access-key'),
    controlTemplate: join(home, 'config.template.json'),
    hosts: join(home, 'hosts'),
    host: (member: string) => join(home, 'hosts', member),
  };
}

export type ProductionPaths = ReturnType<typeof productionPaths>;
