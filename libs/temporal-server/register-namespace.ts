// A Temporal server on a new database has no namespace (the dev server makes one; this one does
// not): KeySync's is registered with a long retention, its histories being the audit record.
// Registering an existing namespace is the normal case after the first start.
import type { Connection } from '@temporalio/client';
import { msNumberToTs } from '@temporalio/common/lib/time';
import { DEFAULT_RETENTION_DAYS } from '../temporal/retention';

const ALREADY_EXISTS = 6; // gRPC status code

export async function ensureNamespace(connection: Connection, namespace: string, retentionDays: number = DEFAULT_RETENTION_DAYS): Promise<'registered' | 'present'> {
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msNumberToTs(retentionDays * 86_400_000),
      description: 'KeySync',
    });
    return 'registered';
  } catch (error) {
    if ((error as { code?: number }).code === ALREADY_EXISTS) return 'present';
    throw error;
  }
}
