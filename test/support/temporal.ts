// Access to the run's Temporal dev server (started by test/global-setup.ts) for any test file.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { inject } from 'vitest';

/** host:port of the run's dev server. */
export function testTemporalAddress(): string {
  return inject('temporalAddress') ?? process.env.KEYSYNC_TEST_TEMPORAL_ADDRESS ?? '';
}

/** A task queue (or workflow id prefix) no other test uses: tests share one server, never queues. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

/** A client on namespace "default"; close with client.connection.close(). */
export async function connectTestClient(): Promise<Client> {
  const connection = await Connection.connect({ address: testTemporalAddress() });
  return new Client({ connection, namespace: 'default' });
}

/** A worker connection; close it after the worker has shut down. */
export function connectTestWorkerConnection(): Promise<NativeConnection> {
  return NativeConnection.connect({ address: testTemporalAddress() });
}
