// Connections to Temporal made from the configuration, so every process reaches the same server
// the same way. The worker's NativeConnection is loaded lazily: the API never needs the native bridge.
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { KeySyncConfig } from '../config/types';

export type TemporalSettings = KeySyncConfig['temporal'];

/** A gRPC connection for clients (API, CLI, tests). Close it when done. */
export async function connectTemporal(settings: TemporalSettings): Promise<Connection> {
  try {
    return await Connection.connect({ address: settings.address });
  } catch (error) {
    throw new Error(`Cannot reach Temporal at ${settings.address}: ${error instanceof Error ? error.message : String(error)}. Is it running (npm run temporal)?`);
  }
}

/** A workflow client on the configured namespace; close its connection with client.connection.close(). */
export async function createTemporalClient(settings: TemporalSettings): Promise<Client> {
  const connection = await connectTemporal(settings);
  return new Client({ connection, namespace: settings.namespace });
}

/** A worker connection (native bridge). Close it after the worker has shut down. */
export async function connectWorkerConnection(settings: TemporalSettings): Promise<NativeConnection> {
  const { NativeConnection } = await import('@temporalio/worker');
  try {
    return await NativeConnection.connect({ address: settings.address });
  } catch (error) {
    throw new Error(`Cannot reach Temporal at ${settings.address}: ${error instanceof Error ? error.message : String(error)}. Is it running (npm run temporal)?`);
  }
}
