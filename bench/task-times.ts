// Where a short operation's wall time goes between the HSM calls, read from its histories: for one
// workflow and every child it started (recursively), the workflow tasks (how long each waited in
// the queue for a worker, how long the worker took), the activities (schedule to start: the wait
// for an agent to pick it up; start to close: the agent's own work), and the children (initiated
// to started). The availability gate's latency is mostly these round trips, not HSM work.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

function millis(event: HistoryEvent): number {
  const time = event.eventTime;
  if (!time) return 0;
  return Number(time.seconds ?? 0) * 1000 + (time.nanos ?? 0) / 1e6;
}

export interface TaskTimes {
  workflowId: string;
  type: string;
  /** Start to close of the workflow, from its history. */
  totalMs: number;
  events: number;
  workflowTasks: { count: number; queuedMs: number; runMs: number };
  activities: { count: number; queuedMs: number; runMs: number };
  /** Children: initiated to started, summed. */
  childStarts: { count: number; ms: number };
  children: TaskTimes[];
}

/** The task times of `workflowId` and of every child it started, children first started first. */
export async function taskTimes(client: Client, workflowId: string): Promise<TaskTimes> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const at = new Map<string, number>();
  const times: TaskTimes = {
    workflowId,
    type: events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '?',
    totalMs: events.length > 0 ? millis(events.at(-1)!) - millis(events[0]!) : 0,
    events: events.length,
    workflowTasks: { count: 0, queuedMs: 0, runMs: 0 },
    activities: { count: 0, queuedMs: 0, runMs: 0 },
    childStarts: { count: 0, ms: 0 },
    children: [],
  };
  const childIds: string[] = [];
  for (const event of events) {
    at.set(String(event.eventId), millis(event));
    const since = (id: unknown): number => millis(event) - (at.get(String(id)) ?? millis(event));
    if (event.workflowTaskStartedEventAttributes) {
      times.workflowTasks.count += 1;
      times.workflowTasks.queuedMs += since(event.workflowTaskStartedEventAttributes.scheduledEventId);
    }
    if (event.workflowTaskCompletedEventAttributes) times.workflowTasks.runMs += since(event.workflowTaskCompletedEventAttributes.startedEventId);
    if (event.activityTaskStartedEventAttributes) {
      times.activities.count += 1;
      times.activities.queuedMs += since(event.activityTaskStartedEventAttributes.scheduledEventId);
    }
    const closed = event.activityTaskCompletedEventAttributes ?? event.activityTaskFailedEventAttributes;
    if (closed) times.activities.runMs += since(closed.startedEventId);
    if (event.childWorkflowExecutionStartedEventAttributes) {
      times.childStarts.count += 1;
      times.childStarts.ms += since(event.childWorkflowExecutionStartedEventAttributes.initiatedEventId);
      const id = event.childWorkflowExecutionStartedEventAttributes.workflowExecution?.workflowId;
      // Archiving runs after its parent closed: not part of the operation's time.
      if (id && !id.startsWith('archive:')) childIds.push(id);
    }
  }
  for (const id of childIds) times.children.push(await taskTimes(client, id));
  return times;
}

const ms = (value: number): string => `${Math.round(value)} ms`;

/** One line per workflow, children indented under their parent. */
export function describeTaskTimes(times: TaskTimes, indent = ''): string[] {
  const { workflowTasks: tasks, activities, childStarts } = times;
  const line =
    `${indent}${times.type} ${ms(times.totalMs)}, ${times.events} events: ` +
    `${tasks.count} workflow tasks (queued ${ms(tasks.queuedMs)}, run ${ms(tasks.runMs)}), ` +
    `${activities.count} activities (queued ${ms(activities.queuedMs)}, run ${ms(activities.runMs)})` +
    (childStarts.count > 0 ? `, ${childStarts.count} child starts ${ms(childStarts.ms)}` : '');
  return [line, ...times.children.flatMap((child) => describeTaskTimes(child, `${indent}  `))];
}

/** Every event of `workflowId` and its children (archiving aside), by time, from the first event: for reading by eye (`--timeline`). */
export async function timeline(client: Client, workflowId: string): Promise<string[]> {
  const rows: { at: number; text: string }[] = [];
  const visit = async (id: string, name: string): Promise<void> => {
    const history = await client.workflow.getHandle(id).fetchHistory();
    for (const event of history.events ?? []) {
      const type = (temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? '?').replace('EVENT_TYPE_', '');
      const activity = event.activityTaskScheduledEventAttributes?.activityType?.name;
      const child = event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
      rows.push({ at: millis(event), text: `${name} ${String(event.eventId)} ${type}${activity ? ` ${activity}` : ''}${child ? ` ${child}` : ''}` });
      const started = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId;
      if (started && !started.startsWith('archive:')) await visit(started, started.split(':').at(-1) ?? started);
    }
  };
  await visit(workflowId, 'root');
  rows.sort((a, b) => a.at - b.at);
  const first = rows[0]?.at ?? 0;
  return rows.map((row) => `${(row.at - first).toFixed(0).padStart(6)} ms  ${row.text}`);
}
