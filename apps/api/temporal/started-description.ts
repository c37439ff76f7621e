// What a describe would answer the moment after a workflow started: running, with its start and
// first workflow task in its history, the memo and search attributes it was started with. The API
// follows a workflow from there (followed-workflows.ts) when it started it itself, or saw a parent
// it follows start it, so the status reads that follow a start need not wait on a describe while
// Temporal is busiest (a burst of starts); the follower describes the workflow once its history
// holds more.
import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { TypedSearchAttributes } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/** A workflow as it was started: by the API's request, or by a parent's StartChildWorkflowExecutionInitiated event. */
export interface WorkflowStarted {
  workflowType: string;
  workflowId: string;
  taskQueue: string;
  /** As a describe decodes it. */
  memo: Record<string, unknown>;
  searchAttributes: TypedSearchAttributes;
}

/** WorkflowExecutionStarted and WorkflowTaskScheduled. */
const eventsAtStart = 2;

export function startedDescription(started: WorkflowStarted, runId: string, startTime: Date): WorkflowExecutionDescription {
  return {
    type: started.workflowType,
    workflowId: started.workflowId,
    runId,
    taskQueue: started.taskQueue,
    status: { code: temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING, name: 'RUNNING' },
    historyLength: eventsAtStart,
    startTime,
    memo: started.memo,
    searchAttributes: {},
    typedSearchAttributes: started.searchAttributes,
    raw: temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse.create({}),
    staticDetails: async () => undefined,
    staticSummary: async () => undefined,
  };
}
