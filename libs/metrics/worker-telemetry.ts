// HSM call latency, where the calls happen: the worker process. Temporal's core already measures
// every activity (temporal_activity_execution_latency, by activity_type and task_queue; a node
// agent's queue is `keysync.<cluster>.<member>` and its activities are HSM calls) and serves them in
// Prometheus text on a port of its own. Turning that on costs one runtime option and no HTTP code
// of ours, which is simpler and more exact than timing calls in the API from the outside.
import type { TelemetryOptions } from '@temporalio/worker';

/** KEYSYNC_WORKER_METRICS_PORT (and _HOST, default 127.0.0.1) turn the worker's /metrics on. */
export function workerTelemetryOptions(env: NodeJS.ProcessEnv = process.env): TelemetryOptions | undefined {
  const port = env.KEYSYNC_WORKER_METRICS_PORT;
  if (port === undefined || port === '') return undefined;
  const number = Number(port);
  if (!Number.isInteger(number) || number < 1 || number > 65535) {
    throw new Error(`KEYSYNC_WORKER_METRICS_PORT must be a port number (1-65535), not "${port}".`);
  }
  const host = env.KEYSYNC_WORKER_METRICS_HOST ?? '127.0.0.1';
  return { metrics: { prometheus: { bindAddress: `${host}:${number}`, useSecondsForDurations: true } } };
}
