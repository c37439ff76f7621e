// What a page of a workflow's history tells the API's follower of it (followed-workflows.ts): how
// far the history has come, whether a describe would now show another status, memo or search
// attributes, and which children the workflow asked for and which have started.
import type { LoadedDataConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { HistoryPage } from './followed-workflows';
import { childAsked } from './started-description';

const eventType = temporal.api.enums.v1.EventType;

/** Events after which a describe shows another status, memo or search attributes (the rest only moves its counters and pending lists). */
const eventsThatChangeTheView: ReadonlySet<temporal.api.enums.v1.EventType> = new Set([
  eventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED,
  eventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
  eventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  eventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  eventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
  eventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  eventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
  eventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
]);

export async function historyPage(answer: temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryResponse, converter: LoadedDataConverter): Promise<HistoryPage> {
  const events = answer.history?.events ?? [];
  const childrenAsked = await Promise.all(
    events.flatMap((event) => (event.startChildWorkflowExecutionInitiatedEventAttributes ? [childAsked(event.startChildWorkflowExecutionInitiatedEventAttributes, converter)] : [])),
  );
  const childrenStarted = events.flatMap((event) => {
    const child = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    return child?.workflowId && child.runId ? [{ workflowId: child.workflowId, runId: child.runId }] : [];
  });
  return {
    lastEventId: Number(events[events.length - 1]?.eventId ?? 0),
    changesView: events.some((event) => event.eventType !== null && event.eventType !== undefined && eventsThatChangeTheView.has(event.eventType)),
    childrenAsked,
    childrenStarted,
    next: answer.nextPageToken?.length ? answer.nextPageToken : null,
  };
}
