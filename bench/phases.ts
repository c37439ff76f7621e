// Where a sync's time went, read from its histories: for each activity type, the time from
// scheduling to completion, summed within one workflow. Read per workflow (parent, each member),
// so the import time of the slowest member can be set against the baseline's unwrap time. Also
// the history's length, and for a parent when its first child started and its last one closed.
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

function millis(event: HistoryEvent): number {
  const time = event.eventTime;
  if (!time) return 0;
  return Number(time.seconds ?? 0) * 1000 + Math.floor((time.nanos ?? 0) / 1e6);
}

export type ActivityTimes = Map<string, number>;

export interface WorkflowTimes {
  times: ActivityTimes;
  totalMs: number;
  /** Events in the history, as the Temporal client fetched it. */
  events: number;
  /** From the workflow's start: when its first child was initiated and when its last child closed (null without children). */
  children: { firstStartMs: number; lastCloseMs: number } | null;
}

function childClosed(event: HistoryEvent): boolean {
  return Boolean(
    event.childWorkflowExecutionCompletedEventAttributes ??
      event.childWorkflowExecutionFailedEventAttributes ??
      event.childWorkflowExecutionCanceledEventAttributes ??
      event.childWorkflowExecutionTimedOutEventAttributes ??
      event.childWorkflowExecutionTerminatedEventAttributes,
  );
}

function closedChildInitiatedId(event: HistoryEvent): unknown {
  const closed =
    event.childWorkflowExecutionCompletedEventAttributes ??
    event.childWorkflowExecutionFailedEventAttributes ??
    event.childWorkflowExecutionCanceledEventAttributes ??
    event.childWorkflowExecutionTimedOutEventAttributes ??
    event.childWorkflowExecutionTerminatedEventAttributes;
  return closed?.initiatedEventId;
}

export async function activityTimes(client: Client, workflowId: string): Promise<WorkflowTimes> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const scheduled = new Map<string, { type: string; at: number }>();
  const times: ActivityTimes = new Map();
  const begin = events[0] ? millis(events[0]) : 0;
  let firstChild: number | null = null;
  let lastChild: number | null = null;
  // Archiving children (started first by a sync the gate waits on) are not the operation's work.
  const archiving = new Set<string>();
  for (const event of events) {
    const attributes = event.activityTaskScheduledEventAttributes;
    if (attributes) scheduled.set(String(event.eventId), { type: attributes.activityType?.name ?? '?', at: millis(event) });
    const closed = event.activityTaskCompletedEventAttributes ?? event.activityTaskFailedEventAttributes ?? event.activityTaskTimedOutEventAttributes;
    if (closed) {
      const start = scheduled.get(String(closed.scheduledEventId));
      if (start) times.set(start.type, (times.get(start.type) ?? 0) + millis(event) - start.at);
    }
    const initiated = event.startChildWorkflowExecutionInitiatedEventAttributes;
    if (initiated?.workflowId?.startsWith('archive:')) archiving.add(String(event.eventId));
    else if (initiated) firstChild ??= millis(event) - begin;
    if (childClosed(event) && !archiving.has(String(closedChildInitiatedId(event)))) lastChild = millis(event) - begin;
  }
  const last = events.at(-1);
  return {
    times,
    totalMs: last ? millis(last) - begin : 0,
    events: events.length,
    children: firstChild !== null && lastChild !== null ? { firstStartMs: firstChild, lastCloseMs: lastChild } : null,
  };
}

export function formatTimes(times: ActivityTimes): string {
  return [...times].map(([type, ms]) => `${type} ${(ms / 1000).toFixed(2)} s`).join(', ');
}

/** The member whose memberSync took longest, with its times. */
export type SlowestMember = { member: string; times: WorkflowTimes } | null;

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/**
 * One line: the client's wall time split into the parent's own work before its first memberSync
 * (pre-flight, export), the memberSyncs (first start to last close; the slowest one's HSM import
 * beside it), the parent's work after them, and what lies outside the parent's history (start
 * request, result delivery).
 */
export function whereTheTimeGoes(wallMs: number, parent: WorkflowTimes, slowest: SlowestMember, label?: string): string {
  const head = `where the time goes${label ? ` (${label})` : ''}: `;
  if (!parent.children) return `${head}${seconds(wallMs)} in all, of which the keySync's history ${seconds(parent.totalMs)} (no memberSync started)`;
  const { firstStartMs, lastCloseMs } = parent.children;
  const importMs = slowest?.times.times.get('importPackage');
  const slowestPart = slowest ? `; the slowest, ${slowest.member}, ${seconds(slowest.times.totalMs)}${importMs !== undefined ? ` with importPackage ${seconds(importMs)}` : ''}` : '';
  return (
    `${head}${seconds(wallMs)} = before the first memberSync ${seconds(firstStartMs)}` +
    ` + memberSyncs ${seconds(lastCloseMs - firstStartMs)}${slowestPart}` +
    ` + after the last ${seconds(parent.totalMs - lastCloseMs)}` +
    ` + outside the keySync's history ${seconds(wallMs - parent.totalMs)}`
  );
}
