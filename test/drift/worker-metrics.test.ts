// HSM call latency is exposed by the worker process itself (libs/metrics/worker-telemetry.ts): the
// node agents run here as a real `apps/worker/main.ts --member ...` child process with
// KEYSYNC_WORKER_METRICS_PORT set, a real sync runs on SoftHSM tokens, and the port is scraped.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../libs/config/ports';
import { workerTelemetryOptions } from '../../libs/metrics/worker-telemetry';
import { keySyncWorkflowId } from '../../libs/contract/workflow-ids';
import type { KeySyncWorkflow } from '../../libs/contract/workflow-types';
import { waitFor } from '../support/wait-for';
import { createClusterFixture } from '../workflows/support/cluster-fixture';
import type { ClusterFixture } from '../workflows/support/cluster-fixture';
import { startWorkerProcess, stopWorkerProcess, writeWorkerConfig } from '../faults/support/worker-process';
import type { WorkerProcess } from '../faults/support/worker-process';
import { parseSamples } from './support/prometheus-text';
import type { Sample } from './support/prometheus-text';

describe('worker metrics', () => {
  let fixture: ClusterFixture;
  let port: number;
  let agents: WorkerProcess | undefined;

  beforeAll(async () => {
    port = await freePort();
    fixture = await createClusterFixture({ members: ['node1', 'node2'], withSecrets: ['node1', 'node2'] });
    await fixture.withToken('node1', (token) => token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'latency', id: '5a' }));
    // The orchestrator in this process; the agents, which make the HSM calls, in the worker process.
    await fixture.startWorkers({ members: [], orchestrator: true });
    process.env.KEYSYNC_WORKER_METRICS_PORT = String(port);
    try {
      agents = startWorkerProcess(writeWorkerConfig(fixture.config, join(fixture.dir, 'config.json')), ['--member', 'node1', 'node2']);
    } finally {
      delete process.env.KEYSYNC_WORKER_METRICS_PORT;
    }
    await agents.waitForOutput('workers polling');
  });

  afterAll(async () => {
    if (agents) await stopWorkerProcess(agents);
    await fixture?.close();
  });

  it('exposes the latency of each HSM call by activity and member queue on the worker port', async () => {
    const result = await fixture.client.workflow.execute<KeySyncWorkflow>('keySync', {
      taskQueue: fixture.orchestratorQueue,
      workflowId: keySyncWorkflowId(fixture.clusterId, randomUUID()),
      args: [{ cluster: fixture.snapshot(), source: 'node1', requestedBy: 'test', reason: 'latency metrics' }],
    });
    expect(result.state).toBe('completed');

    const latency = (samples: Sample[], activity: string, member: string, suffix: '_count' | '_sum') =>
      samples.find(
        (sample) =>
          sample.name.startsWith('temporal_activity_execution_latency') &&
          sample.name.endsWith(suffix) &&
          sample.labels.activity_type === activity &&
          sample.labels.task_queue === `keysync.${fixture.clusterId}.${member}`,
      )?.value;
    // The exporter publishes what the core has aggregated; give it a moment.
    const samples = await waitFor(
      async () => {
        const parsed = parseSamples(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
        return (latency(parsed, 'importPackage', 'node2', '_count') ?? 0) >= 1 ? parsed : null;
      },
      { description: 'importPackage latency on node2 in the worker metrics', timeoutMs: 15_000, intervalMs: 250 },
    );
    expect(latency(samples, 'exportKeys', 'node1', '_count')).toBeGreaterThanOrEqual(1);
    // The pre-flight's one call per member.
    expect(latency(samples, 'surveyToken', 'node2', '_count')).toBeGreaterThanOrEqual(1);
    expect(latency(samples, 'importPackage', 'node2', '_sum')).toBeGreaterThan(0);
  });

  it('refuses a worker metrics port that is not a port number, and stays off without one', () => {
    expect(() => workerTelemetryOptions({ KEYSYNC_WORKER_METRICS_PORT: '99999' })).toThrow(/KEYSYNC_WORKER_METRICS_PORT must be a port number/);
    expect(workerTelemetryOptions({})).toBeUndefined();
  });
});
