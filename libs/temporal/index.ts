export { connectTemporal, connectWorkerConnection, createTemporalClient, temporalConnectionOptions, temporalTls } from './connection';
export type { TemporalSettings } from './connection';
export { devServerArgs, startDevServer } from './dev-server';
export type { DevServer, DevServerOptions } from './dev-server';
export { cachedTemporalCliPath, findTemporalCli, requireTemporalCli, TEMPORAL_CLI_VERSION } from './find-cli';
export { DEFAULT_RETENTION_DAYS, ensureRetention } from './retention';
export { ensureSearchAttributes, KEYSYNC_SEARCH_ATTRIBUTES, searchAttributeFlags } from './search-attributes';
export type { SearchAttributeKind } from './search-attributes';
export { prepareNamespace, waitForTemporal } from './prepare-namespace';
