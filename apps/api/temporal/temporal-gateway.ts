// The API's one way to Temporal, and the only API code that holds a Temporal client: controllers
// and services ask it to start, describe, query, update, cancel, list and count workflows, each
// call with its deadline here. What to start is built in operation-starts.ts and short-runs.ts,
// which executions to list in visibility-queries.ts; Temporal's errors pass through unchanged, for
// the services and the error filter to map; each call's time goes to the request's Server-Timing.
// The connection is lazy, so the API starts (and its health endpoint can say so) while Temporal is
// still down; gRPC reconnects by itself. Describes and results that may be some moments old come
// from the workflows it follows (followed-workflows.ts) when it has them that fresh.
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Client, Connection, type WorkflowExecutionDescription, type WorkflowExecutionInfo, WorkflowNotFoundError } from '@temporalio/client';
import type { QueryDefinition, SearchAttributePair, UpdateDefinition, Workflow, WorkflowIdReusePolicy } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { temporalConnectionOptions } from '../../../libs/temporal/connection';
import { ApiConfig } from '../config/api-config';
import { timedTemporalCall } from '../http/server-timing';
import { ApiLogger } from '../logging/logger';
import { FollowedWorkflows, type HistoryPage } from './followed-workflows';
import { historyPage } from './history-page';
import { startRequested, startedDescription } from './started-description';

/** A workflow the API starts, always on the orchestrator's task queue. */
export interface WorkflowStart {
  workflowType: string;
  workflowId: string;
  args: unknown[];
  searchAttributes: SearchAttributePair[];
  memo?: Record<string, unknown>;
  /** Default: Temporal's (a closed id may be started again). */
  reusePolicy?: WorkflowIdReusePolicy;
  /** Ends the run (TimeoutFailure) if it has not completed by then. */
  executionTimeoutSeconds?: number;
  /** A long-running record (a cluster's credential store): a start finds the running one instead of failing. */
  useExisting?: boolean;
}

export type WorkflowHistory = temporal.api.history.v1.IHistory;

@Injectable()
export class TemporalGateway implements OnApplicationShutdown {
  private readonly client: Client;
  private readonly followed: FollowedWorkflows;

  constructor(
    private readonly config: ApiConfig,
    private readonly log: ApiLogger,
  ) {
    // Over mutual TLS when temporal.tls is set; its files were checked when the configuration loaded.
    this.client = new Client({ connection: Connection.lazy(temporalConnectionOptions(config.temporal)), namespace: config.temporal.namespace });
    this.followed = new FollowedWorkflows({
      describe: (workflowId) => this.client.workflow.getHandle(workflowId).describe(),
      result: (workflowId, runId) => this.client.workflow.getHandle(workflowId, runId).result(),
      nextEvents: (workflowId, runId, token) => this.nextEvents(workflowId, runId, token),
    });
  }

  /** Starts the workflow; its run id. A taken id throws WorkflowExecutionAlreadyStartedError. */
  async start(start: WorkflowStart): Promise<string> {
    const handle = await timedTemporalCall(() => this.client.workflow.start<Workflow>(start.workflowType, {
      taskQueue: this.config.orchestratorTaskQueue,
      workflowId: start.workflowId,
      args: start.args,
      typedSearchAttributes: start.searchAttributes,
      ...(start.memo ? { memo: start.memo } : {}),
      ...(start.reusePolicy ? { workflowIdReusePolicy: start.reusePolicy } : {}),
      ...(start.executionTimeoutSeconds !== undefined ? { workflowExecutionTimeout: `${start.executionTimeoutSeconds}s` } : {}),
      ...(start.useExisting ? { workflowIdConflictPolicy: 'USE_EXISTING' as const } : {}),
    }));
    // A new run is followed from what the API just gave it; one it found running (useExisting) is described when read.
    if (start.useExisting) this.followed.forget(start.workflowId);
    else this.followed.offer(startedDescription(startRequested(start, this.config.orchestratorTaskQueue), handle.firstExecutionRunId, new Date()));
    return handle.firstExecutionRunId;
  }

  /**
   * The latest run of that id; WorkflowNotFoundError when there is none. With maxAgeMs, a followed
   * view at most that old when there is one (no Temporal call; not found for a child its followed
   * parent asked for that has not started): its status, memo and search attributes as current as
   * that, its counters (history length, pending activities) maybe behind.
   */
  async describe(workflowId: string, maxAgeMs = 0): Promise<WorkflowExecutionDescription> {
    const followed = maxAgeMs > 0 ? await this.followed.described(workflowId, maxAgeMs) : null;
    if (followed === 'not-started') throw new WorkflowNotFoundError(`Workflow ${workflowId} is asked for by its parent but not started yet.`, workflowId, undefined);
    if (followed) return followed;
    const description = await timedTemporalCall(() => this.client.workflow.getHandle(workflowId).describe());
    // Followed for the next read that accepts a view that old; a read that does not leaves the followed views alone.
    if (maxAgeMs > 0) this.followed.offer(description);
    return description;
  }

  /**
   * The run's result once it completes (the latest run's without a run id); WorkflowFailedError if it
   * does not. With maxAgeMs, the result the API kept when it saw a followed run complete.
   */
  async result<T>(workflowId: string, runId?: string, maxAgeMs = 0): Promise<T> {
    const kept = maxAgeMs > 0 ? this.followed.resultOf(workflowId, runId, maxAgeMs) : null;
    if (kept) return kept.value as T;
    return timedTemporalCall(() => this.client.workflow.getHandle(workflowId, runId).result() as Promise<T>);
  }

  /** A query needs a worker to answer: the deadline bounds the wait for one. */
  query<Ret, Args extends unknown[]>(workflowId: string, definition: QueryDefinition<Ret, Args>, args: Args, deadlineMs: number): Promise<Ret> {
    return timedTemporalCall(() => this.client.connection.withDeadline(Date.now() + deadlineMs, () => this.client.workflow.getHandle(workflowId).query(definition, ...args)));
  }

  /** An update waits for the workflow's verdict: WorkflowUpdateFailedError when it refuses. */
  async update<Ret, Args extends [unknown, ...unknown[]]>(workflowId: string, definition: UpdateDefinition<Ret, Args>, args: Args, deadlineMs: number): Promise<Ret> {
    try {
      return await timedTemporalCall(() => this.client.connection.withDeadline(Date.now() + deadlineMs, () => this.client.workflow.getHandle(workflowId).executeUpdate(definition, { args })));
    } finally {
      // Whoever made the change reads it next, so that read describes.
      this.followed.forget(workflowId);
    }
  }

  async cancel(workflowId: string): Promise<void> {
    await timedTemporalCall(() => this.client.workflow.getHandle(workflowId).cancel());
    this.followed.forget(workflowId);
  }

  /** The latest run's history, for replay. */
  fetchHistory(workflowId: string): Promise<WorkflowHistory> {
    return timedTemporalCall(() => this.client.workflow.getHandle(workflowId).fetchHistory());
  }

  /** Executions that match a visibility query (visibility-queries.ts), newest first. */
  list(query: string, pageSize?: number): AsyncIterable<WorkflowExecutionInfo> {
    return this.client.workflow.list({ query, ...(pageSize !== undefined ? { pageSize } : {}) });
  }

  async count(query: string): Promise<number> {
    return (await timedTemporalCall(() => this.client.workflow.count(query))).count;
  }

  /** Whether the Temporal frontend answers within the deadline. */
  async reachable(deadlineMs: number): Promise<boolean> {
    try {
      await this.client.connection.withDeadline(Date.now() + deadlineMs, () => this.client.workflowService.getSystemInfo({}));
      return true;
    } catch {
      return false;
    }
  }

  /** When each worker polling that activity task queue last polled, epoch milliseconds. */
  async activityPollTimes(taskQueue: string, deadlineMs: number): Promise<number[]> {
    const answer = await this.client.connection.withDeadline(Date.now() + deadlineMs, () =>
      this.client.workflowService.describeTaskQueue({
        namespace: this.config.temporal.namespace,
        taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
      }),
    );
    return (answer.pollers ?? []).flatMap((poller) => (poller.lastAccessTime ? [tsToMs(poller.lastAccessTime)] : []));
  }

  /** The run's events after `token`, waiting for new ones (Temporal answers at the latest after its long-poll interval, then with none). */
  private async nextEvents(workflowId: string, runId: string, token: Uint8Array | undefined): Promise<HistoryPage> {
    const answer = await this.client.workflowService.getWorkflowExecutionHistory({
      namespace: this.config.temporal.namespace,
      execution: { workflowId, runId },
      waitNewEvent: true,
      skipArchival: true,
      ...(token ? { nextPageToken: token } : {}),
    });
    return historyPage(answer, this.client.options.loadedDataConverter);
  }

  /** Closes the connection when Nest shuts down (SIGTERM with enableShutdownHooks, or app.close()). */
  async onApplicationShutdown(signal?: string): Promise<void> {
    this.log.pino.info({ signal }, 'api stopping: closing the Temporal connection');
    this.followed.close();
    await this.client.connection.close();
  }
}
