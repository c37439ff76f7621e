// What any Temporal (dev server, docker-compose cluster) needs before KeySync runs on it: to
// answer, KeySync's search attributes, and a retention long enough for an audit record.
import { Connection } from '@temporalio/client';
import type { TLSConfig } from '@temporalio/client';
import { DEFAULT_RETENTION_DAYS, ensureRetention } from './retention';
import { ensureSearchAttributes, KEYSYNC_SEARCH_ATTRIBUTES } from './search-attributes';

/**
 * Connects once the frontend answers for the namespace. `gaveUp` ends the wait early (the
 * server's process exited); `tls` is the configuration's (connection.ts temporalTls). The caller
 * closes the connection.
 */
export async function waitForTemporal(address: string, namespace: string, timeoutMs: number, gaveUp: () => boolean = () => false, tls?: TLSConfig): Promise<Connection> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() < deadline && !gaveUp()) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000, ...(tls ? { tls } : {}) });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return connection;
      } catch (error) {
        await connection.close();
        throw error;
      }
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new Error(`Temporal did not answer on ${address} (namespace ${namespace}) within ${timeoutMs} ms (last error: ${reason}).`);
}

/** Registers the search attributes the namespace lacks and raises its retention; both idempotent. */
export async function prepareNamespace(connection: Connection, namespace: string, retentionDays: number = DEFAULT_RETENTION_DAYS): Promise<{ addedSearchAttributes: string[]; retentionDays: number }> {
  const addedSearchAttributes = await ensureSearchAttributes(connection, namespace, KEYSYNC_SEARCH_ATTRIBUTES);
  return { addedSearchAttributes, retentionDays: await ensureRetention(connection, namespace, retentionDays) };
}
