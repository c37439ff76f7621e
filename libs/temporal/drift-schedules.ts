// One Temporal Schedule per cluster runs driftWatch (DESIGN section 5) every
// policy.drift.intervalSeconds. Overlapping runs are skipped (a slow run is never stacked on), and
// missed runs are not caught up beyond one interval (after downtime one look is enough). The worker
// that runs the orchestrator writes them at start, so a changed configuration (interval, mode,
// members, approvers) takes effect on the next start; `off` pauses the schedule rather than
// deleting it, so its past runs stay listed.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Client, ScheduleOptions, ScheduleOptionsStartWorkflowAction, ScheduleSpec, ScheduleUpdateOptions } from '@temporalio/client';
import { clusterSnapshot } from '../config/cluster-snapshot';
import type { ClusterConfig, KeySyncConfig } from '../config/types';
import type { AgentTiming } from '../contract/agent-timing';
import type { DriftWatchInput } from '../contract/drift';
import { KeySyncCluster, KeySyncKind } from '../contract/search-attributes';
import { orchestratorTaskQueue } from '../contract/task-queues';
import { driftWatchWorkflowId } from '../contract/workflow-ids';
import { workflowTypes } from '../contract/workflow-types';
import type { DriftWatchWorkflow } from '../contract/workflow-types';
import { createTemporalClient } from './connection';

export interface DriftScheduleOptions {
  client: Client;
  config: KeySyncConfig;
  /** The orchestrator's queue; tests with their own workers give theirs. */
  taskQueue?: string;
  /** Only these clusters (default: every cluster of the configuration). */
  clusters?: string[];
  /** Agent timing for the runs (tests shorten the probe). */
  timing?: Partial<AgentTiming>;
  /** Run once now, besides the interval (tests, and a worker that just started). */
  triggerImmediately?: boolean;
}

export interface DriftScheduleOutcome {
  cluster: string;
  scheduleId: string;
  action: 'created' | 'updated';
  paused: boolean;
  intervalSeconds: number;
}

/** The schedule of a cluster; its runs get workflow ids `drift:<cluster>-<time>` (Temporal appends the time). */
export function driftScheduleId(cluster: string): string {
  return driftWatchWorkflowId(cluster);
}

export async function ensureDriftSchedules(options: DriftScheduleOptions): Promise<DriftScheduleOutcome[]> {
  const clusters = options.config.clusters.filter((cluster) => options.clusters === undefined || options.clusters.includes(cluster.id));
  const outcomes: DriftScheduleOutcome[] = [];
  for (const cluster of clusters) outcomes.push(await ensureDriftSchedule(options, cluster));
  return outcomes;
}

async function ensureDriftSchedule(options: DriftScheduleOptions, cluster: ClusterConfig): Promise<DriftScheduleOutcome> {
  const { mode, intervalSeconds } = cluster.policy.drift;
  if (!Number.isInteger(intervalSeconds) || intervalSeconds < 1) {
    throw new Error(`Cluster "${cluster.id}": policy.drift.intervalSeconds must be a whole number of seconds, at least 1 (it is ${intervalSeconds}).`);
  }
  const scheduleId = driftScheduleId(cluster.id);
  const input: DriftWatchInput = { cluster: clusterSnapshot(cluster), mode, ...(options.timing ? { timing: options.timing } : {}) };
  const action: ScheduleOptionsStartWorkflowAction<DriftWatchWorkflow> = {
    type: 'startWorkflow',
    workflowType: workflowTypes.driftWatch,
    workflowId: driftWatchWorkflowId(cluster.id),
    taskQueue: options.taskQueue ?? orchestratorTaskQueue,
    args: [input],
    // A run is a short look; one that cannot finish in a few intervals is stuck, and the next takes over.
    workflowExecutionTimeout: `${Math.max(300, intervalSeconds * 5)}s`,
    typedSearchAttributes: [
      { key: KeySyncCluster, value: cluster.id },
      { key: KeySyncKind, value: 'drift-watch' },
    ],
  };
  const paused = mode === 'off';
  const note = paused ? 'policy.drift.mode is off' : `policy.drift.mode is ${mode}`;
  const spec: ScheduleSpec = { intervals: [{ every: intervalSeconds * 1000 }] };
  const policies: ScheduleOptions['policies'] = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: Math.max(intervalSeconds, 10) * 1000 };
  try {
    await options.client.schedule.create({
      scheduleId,
      spec,
      action,
      policies,
      state: { paused, note, triggerImmediately: options.triggerImmediately === true && !paused },
    });
    return { cluster: cluster.id, scheduleId, action: 'created', paused, intervalSeconds };
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  const handle = options.client.schedule.getHandle(scheduleId);
  await handle.update((previous): ScheduleUpdateOptions => ({
    ...previous,
    spec,
    action,
    policies: { ...previous.policies, ...policies },
    state: { ...previous.state, paused, note },
  }));
  if (options.triggerImmediately === true && !paused) await handle.trigger(ScheduleOverlapPolicy.SKIP);
  return { cluster: cluster.id, scheduleId, action: 'updated', paused, intervalSeconds };
}

/** For the worker's start: writes every cluster's schedule over its own short-lived client. */
export async function writeDriftSchedules(config: KeySyncConfig, taskQueue?: string): Promise<DriftScheduleOutcome[]> {
  const client = await createTemporalClient(config.temporal);
  try {
    return await ensureDriftSchedules({ client, config, ...(taskQueue ? { taskQueue } : {}) });
  } finally {
    await client.connection.close();
  }
}
