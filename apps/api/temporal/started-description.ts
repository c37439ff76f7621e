// What a describe would answer the moment after a workflow started: running, with its start and
// first workflow task in its history, the memo and search attributes it was started with. The API
// follows a workflow from there (followed-workflows.ts) when it started it itself, or saw a parent
// it follows start it, so the status reads that follow a start need not wait on a describe while
// Temporal is busiest (a burst of starts); the follower describes the workflow once its history
// holds more.
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { type LoadedDataConverter, TypedSearchAttributes } from '@temporalio/common';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { decodeMapFromPayloads } from '@temporalio/common/lib/internal-non-workflow/codec-helpers';
import { temporal } from '@temporalio/proto';
import type { WorkflowStart } from './temporal-gateway';

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

/** The API's own start request, as a describe would decode it (the memo as JSON written and read back). */
export function startRequested(start: WorkflowStart, taskQueue: string): WorkflowStarted {
  return {
    workflowType: start.workflowType,
    workflowId: start.workflowId,
    taskQueue,
    memo: start.memo ? (JSON.parse(JSON.stringify(start.memo)) as Record<string, unknown>) : {},
    searchAttributes: new TypedSearchAttributes(start.searchAttributes),
  };
}

/** A child as its parent asked for it, decoded as a describe of it would be. */
export async function childAsked(asked: temporal.api.history.v1.IStartChildWorkflowExecutionInitiatedEventAttributes, converter: LoadedDataConverter): Promise<WorkflowStarted> {
  return {
    workflowType: asked.workflowType?.name ?? '',
    workflowId: asked.workflowId ?? '',
    taskQueue: asked.taskQueue?.name ?? '',
    memo: (await decodeMapFromPayloads(converter, asked.memo?.fields)) ?? {},
    searchAttributes: decodeTypedSearchAttributes(asked.searchAttributes?.indexedFields),
  };
}
