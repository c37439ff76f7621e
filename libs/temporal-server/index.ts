export { applyTemporalSchema, TEMPORAL_DATABASES } from './apply-schema';
export type { SchemaTarget } from './apply-schema';
export { requireTemporalServer, requireTemporalSqlTool, TEMPORAL_SERVER_VERSION } from './find-temporal-server';
export { ensureNamespace } from './register-namespace';
export { SERVER_PORT_NAMES, serverConfig, writeServerConfig } from './server-config';
export type { ServerConfigOptions, ServerPorts } from './server-config';
export { allocateServerPorts, freePortsFrom } from './server-ports';
export { startTemporalServer } from './temporal-server-process';
export type { TemporalServerProcess, TemporalServerProcessOptions } from './temporal-server-process';
