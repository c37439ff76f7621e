export { createKeySyncMetrics, operationStates } from './keysync-metrics';
export type { KeySyncMetrics } from './keysync-metrics';
export { workerTelemetryOptions } from './worker-telemetry';
