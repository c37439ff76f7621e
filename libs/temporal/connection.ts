// Connections to Temporal made from the configuration, so every process reaches the same server
// the same way, over mutual TLS when `temporal.tls` is set. The worker's NativeConnection is loaded
// lazily: the API never needs the native bridge.
import { Client, Connection } from '@temporalio/client';
import type { TLSConfig } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { TemporalConfig } from '../config/types';
import { readTlsMaterial } from '../tls/tls-files';

export type TemporalSettings = TemporalConfig;

/** How long a first connection may take before start-up fails with a clear error instead of waiting. */
const CONNECT_TIMEOUT_MS = 15_000;

/**
 * The SDK's TLS settings from `temporal.tls`, or undefined for plaintext. The files are read (and
 * checked again) here, at each connection: a TlsFileError names the field and the file.
 */
export function temporalTls(settings: TemporalSettings): TLSConfig | undefined {
  if (!settings.tls) return undefined;
  const material = readTlsMaterial(settings.tls, 'temporal.tls');
  return {
    ...(settings.tls.serverName ? { serverNameOverride: settings.tls.serverName } : {}),
    ...(material.ca ? { serverRootCACertificate: material.ca } : {}),
    clientCertPair: { crt: material.cert, key: material.key },
  };
}

/** Address and TLS of a client connection, for Connection.connect or Connection.lazy. */
export function temporalConnectionOptions(settings: TemporalSettings): { address: string; tls?: TLSConfig } {
  const tls = temporalTls(settings);
  return { address: settings.address, ...(tls ? { tls } : {}) };
}

/** Says what to check when a first connection fails: the TLS settings, or whether the server runs. */
function unreachable(settings: TemporalSettings, error: unknown): Error {
  const reason = error instanceof Error ? error.message : String(error);
  if (settings.tls) {
    const name = settings.tls.serverName ?? settings.address.replace(/:\d+$/, '');
    return new Error(
      `Cannot connect to Temporal at ${settings.address} over mutual TLS: ${reason}. Check that Temporal runs there and requires TLS; that the CA in ` +
        `temporal.tls.caFile signed the server's certificate and that it names ${name} (temporal.tls.serverName); and that the server trusts the CA that issued ` +
        `temporal.tls.certFile (${settings.tls.certFile}).`,
    );
  }
  return new Error(
    `Cannot reach Temporal at ${settings.address}: ${reason}. Is it running (npm run temporal)? If it requires TLS, set temporal.tls (caFile, certFile, keyFile) in the configuration.`,
  );
}

/** Fails after `ms` instead of waiting on a server that never completes a handshake. */
async function withinDeadline<T>(attempt: Promise<T>, ms: number, onLate: (value: T) => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([attempt, late]);
  } catch (error) {
    // A connection that completes after the deadline is closed, not leaked.
    void attempt.then(onLate, () => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** A gRPC connection for clients (API, CLI, tests). Close it when done. */
export async function connectTemporal(settings: TemporalSettings): Promise<Connection> {
  const options = temporalConnectionOptions(settings);
  try {
    return await Connection.connect({ ...options, connectTimeout: CONNECT_TIMEOUT_MS });
  } catch (error) {
    throw unreachable(settings, error);
  }
}

/** A workflow client on the configured namespace; close its connection with client.connection.close(). */
export async function createTemporalClient(settings: TemporalSettings): Promise<Client> {
  const connection = await connectTemporal(settings);
  return new Client({ connection, namespace: settings.namespace });
}

/** A worker connection (native bridge). Close it after the worker has shut down. */
export async function connectWorkerConnection(settings: TemporalSettings): Promise<NativeConnection> {
  const options = temporalConnectionOptions(settings);
  const { NativeConnection } = await import('@temporalio/worker');
  try {
    return await withinDeadline(NativeConnection.connect(options), CONNECT_TIMEOUT_MS, (connection) => void connection.close());
  } catch (error) {
    throw unreachable(settings, error);
  }
}
