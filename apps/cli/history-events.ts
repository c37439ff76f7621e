// Reads what an auditor needs from a workflow history in the SDK's proto JSON (what the API
// exports and the audit archive stores): the workflow type and input, each approval delivered by
// signal or update, activity results, and the result. Payloads are json/plain, base64 in the JSON.
import { approveSignal, approveUpdate } from '../../libs/contract/messages';

type Json = Record<string, unknown>;

function record(value: unknown): Json {
  return typeof value === 'object' && value !== null ? (value as Json) : {};
}

/** A string field as text; anything else (absent, an object) as the fallback. */
function text(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : fallback;
}

/** The first value of a Payloads message, decoded; undefined when absent or not JSON. */
export function firstPayload(payloads: unknown): unknown {
  const list = record(payloads).payloads;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  return decodePayload(list[0]);
}

export function decodePayload(payload: unknown): unknown {
  const { metadata, data } = record(payload);
  const encoding = typeof record(metadata).encoding === 'string' ? Buffer.from(record(metadata).encoding as string, 'base64').toString('utf8') : '';
  if (encoding === 'binary/null') return null;
  if (typeof data !== 'string') return undefined;
  try {
    return JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export interface DeliveredApproval {
  eventId: string;
  via: 'signal' | 'update';
  /** The approval exactly as delivered: it may be malformed. */
  payload: unknown;
}

export interface HistoryFacts {
  workflowId: string | null;
  workflowType: string | null;
  input: unknown;
  approvals: DeliveredApproval[];
  /** Activity results by activity type, in history order. */
  activityResults: Array<{ activityType: string; result: unknown }>;
  /** The workflow's result, when it completed. */
  result: unknown;
  closed: 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed-out' | 'continued' | null;
}

const closeAttributes: Array<[string, NonNullable<HistoryFacts['closed']>]> = [
  ['workflowExecutionCompletedEventAttributes', 'completed'],
  ['workflowExecutionFailedEventAttributes', 'failed'],
  ['workflowExecutionCanceledEventAttributes', 'cancelled'],
  ['workflowExecutionTerminatedEventAttributes', 'terminated'],
  ['workflowExecutionTimedOutEventAttributes', 'timed-out'],
  ['workflowExecutionContinuedAsNewEventAttributes', 'continued'],
];

export function historyEvents(history: unknown): Json[] {
  const events = record(history).events;
  if (!Array.isArray(events)) throw new Error('not a workflow history: it has no "events" list');
  return events.map(record);
}

export function readHistoryFacts(history: unknown): HistoryFacts {
  const facts: HistoryFacts = { workflowId: null, workflowType: null, input: undefined, approvals: [], activityResults: [], result: undefined, closed: null };
  const scheduled = new Map<string, string>();
  for (const event of historyEvents(history)) {
    const eventId = text(event.eventId);
    const started = record(event.workflowExecutionStartedEventAttributes);
    if (event.workflowExecutionStartedEventAttributes) {
      facts.workflowType = typeof record(started.workflowType).name === 'string' ? (record(started.workflowType).name as string) : null;
      facts.workflowId = typeof started.workflowId === 'string' && started.workflowId ? started.workflowId : null;
      facts.input = firstPayload(started.input);
    }
    const signaled = record(event.workflowExecutionSignaledEventAttributes);
    if (signaled.signalName === approveSignal.name) {
      facts.approvals.push({ eventId, via: 'signal', payload: firstPayload(signaled.input) });
    }
    const request = record(record(event.workflowExecutionUpdateAcceptedEventAttributes).acceptedRequest);
    const updateInput = record(request.input);
    if (updateInput.name === approveUpdate.name) {
      facts.approvals.push({ eventId, via: 'update', payload: firstPayload(updateInput.args) });
    }
    const activity = record(event.activityTaskScheduledEventAttributes);
    if (event.activityTaskScheduledEventAttributes) scheduled.set(eventId, text(record(activity.activityType).name));
    const completed = record(event.activityTaskCompletedEventAttributes);
    if (event.activityTaskCompletedEventAttributes) {
      facts.activityResults.push({ activityType: scheduled.get(text(completed.scheduledEventId)) ?? '', result: firstPayload(completed.result) });
    }
    for (const [attribute, closed] of closeAttributes) {
      if (!event[attribute]) continue;
      facts.closed = closed;
      if (closed === 'completed') facts.result = firstPayload(record(event[attribute]).result);
    }
  }
  return facts;
}
