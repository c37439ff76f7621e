export { findPostgres, requirePostgres } from './find-postgres';
export type { PostgresPrograms } from './find-postgres';
export { startPostgres } from './postgres-cluster';
export type { PostgresClusterOptions, PostgresServer } from './postgres-cluster';
export { ensurePostgresUser, POSTGRES_SYSTEM_USER } from './postgres-user';
