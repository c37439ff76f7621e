// Reads what the drift watch found, the way an operator would: the closed driftWatch runs of a
// cluster, newest first, from Temporal visibility and each run's result.
import type { Client } from '@temporalio/client';
import type { DriftWatchResult } from '../../../libs/contract/drift';

export interface DriftRun {
  workflowId: string;
  runId: string;
  startTime: Date;
  result: DriftWatchResult;
}

export async function completedDriftRuns(client: Client, cluster: string, since?: Date): Promise<DriftRun[]> {
  const runs: DriftRun[] = [];
  const query = `WorkflowType = 'driftWatch' AND KeySyncCluster = '${cluster}' AND ExecutionStatus = 'Completed'`;
  for await (const execution of client.workflow.list({ query })) {
    if (since && execution.startTime < since) continue;
    const result = (await client.workflow.getHandle(execution.workflowId, execution.runId).result()) as DriftWatchResult;
    runs.push({ workflowId: execution.workflowId, runId: execution.runId, startTime: execution.startTime, result });
  }
  return runs.sort((a, b) => b.startTime.getTime() - a.startTime.getTime());
}
