// A new namespace keeps closed workflows 24 hours; KeySync's histories are its audit record, so
// the stack raises the retention (the audit archive keeps copies beyond even that).
import type { Connection } from '@temporalio/client';
import { msNumberToTs, optionalTsToMs } from '@temporalio/common/lib/time';

const SECONDS_PER_DAY = 86_400;

/** Default retention the stack sets: ten years. */
export const DEFAULT_RETENTION_DAYS = 3650;

/** Raises the namespace's retention to at least `days`; never lowers it. Returns the days in force. */
export async function ensureRetention(connection: Connection, namespace: string, days: number = DEFAULT_RETENTION_DAYS): Promise<number> {
  const described = await connection.workflowService.describeNamespace({ namespace });
  const currentSeconds = (optionalTsToMs(described.config?.workflowExecutionRetentionTtl) ?? 0) / 1000;
  const wantedSeconds = days * SECONDS_PER_DAY;
  if (currentSeconds >= wantedSeconds) return currentSeconds / SECONDS_PER_DAY;
  await connection.workflowService.updateNamespace({
    namespace,
    config: { workflowExecutionRetentionTtl: msNumberToTs(wantedSeconds * 1000) },
  });
  return days;
}
