// Where a sync's time went, read from its histories: for each activity type, the time from
// scheduling to completion, summed within one workflow. Read per workflow (parent, each member),
// so the import time of the slowest member can be set against the baseline's unwrap time.
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

function millis(event: HistoryEvent): number {
  const time = event.eventTime;
  if (!time) return 0;
  return Number(time.seconds ?? 0) * 1000 + Math.floor((time.nanos ?? 0) / 1e6);
}

export type ActivityTimes = Map<string, number>;

export async function activityTimes(client: Client, workflowId: string): Promise<{ times: ActivityTimes; totalMs: number }> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const scheduled = new Map<string, { type: string; at: number }>();
  const times: ActivityTimes = new Map();
  for (const event of events) {
    const attributes = event.activityTaskScheduledEventAttributes;
    if (attributes) scheduled.set(String(event.eventId), { type: attributes.activityType?.name ?? '?', at: millis(event) });
    const closed = event.activityTaskCompletedEventAttributes ?? event.activityTaskFailedEventAttributes ?? event.activityTaskTimedOutEventAttributes;
    if (closed) {
      const start = scheduled.get(String(closed.scheduledEventId));
      if (start) times.set(start.type, (times.get(start.type) ?? 0) + millis(event) - start.at);
    }
  }
  const first = events[0];
  const last = events.at(-1);
  return { times, totalMs: first && last ? millis(last) - millis(first) : 0 };
}

export function formatTimes(times: ActivityTimes): string {
  return [...times].map(([type, ms]) => `${type} ${(ms / 1000).toFixed(2)} s`).join(', ');
}
