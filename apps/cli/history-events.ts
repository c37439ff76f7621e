// Reads what an auditor needs from a workflow history in the SDK's proto JSON (what the API
// exports and the audit archive stores): the workflow type and input, each approval delivered by
// signal or update, activity results, and the result. Payloads are json/plain, base64 in the JSON.
import { approveSignal, approveUpdate, confirmCredentialUpdate, registerCredentialUpdate, revokeCredentialUpdate } from '../../libs/contract/messages';

const credentialUpdates: ReadonlySet<string> = new Set([registerCredentialUpdate.name, confirmCredentialUpdate.name, revokeCredentialUpdate.name]);

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
  /** When the history recorded it, ISO 8601 (a security key counts only if confirmed by then). */
  eventTime: string;
  via: 'signal' | 'update';
  /** The approval exactly as delivered: it may be malformed. */
  payload: unknown;
  /** An update whose handler refused it after it was accepted (a security key not confirmed when the workflow asked). */
  failed?: boolean;
}

/** One change an approverCredentials workflow accepted (register-credential, confirm-credential, revoke-credential). */
export interface CredentialChange {
  eventId: string;
  eventTime: string;
  update: string;
  payload: unknown;
  /** Its handler failed: the change did not happen. */
  failed: boolean;
}

export interface HistoryFacts {
  workflowId: string | null;
  workflowType: string | null;
  input: unknown;
  approvals: DeliveredApproval[];
  credentialChanges: CredentialChange[];
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
  const facts: HistoryFacts = { workflowId: null, workflowType: null, input: undefined, approvals: [], credentialChanges: [], activityResults: [], result: undefined, closed: null };
  const scheduled = new Map<string, string>();
  const updatesByAcceptedEvent = new Map<string, { failed?: boolean }>();
  for (const event of historyEvents(history)) {
    const eventId = text(event.eventId);
    const eventTime = text(event.eventTime);
    const started = record(event.workflowExecutionStartedEventAttributes);
    if (event.workflowExecutionStartedEventAttributes) {
      facts.workflowType = typeof record(started.workflowType).name === 'string' ? (record(started.workflowType).name as string) : null;
      facts.workflowId = typeof started.workflowId === 'string' && started.workflowId ? started.workflowId : null;
      facts.input = firstPayload(started.input);
    }
    const signaled = record(event.workflowExecutionSignaledEventAttributes);
    if (signaled.signalName === approveSignal.name) {
      facts.approvals.push({ eventId, eventTime, via: 'signal', payload: firstPayload(signaled.input) });
    }
    const request = record(record(event.workflowExecutionUpdateAcceptedEventAttributes).acceptedRequest);
    const updateInput = record(request.input);
    if (updateInput.name === approveUpdate.name) {
      const approval: DeliveredApproval = { eventId, eventTime, via: 'update', payload: firstPayload(updateInput.args) };
      facts.approvals.push(approval);
      updatesByAcceptedEvent.set(eventId, approval);
    }
    if (typeof updateInput.name === 'string' && credentialUpdates.has(updateInput.name)) {
      const change: CredentialChange = { eventId, eventTime, update: updateInput.name, payload: firstPayload(updateInput.args), failed: false };
      facts.credentialChanges.push(change);
      updatesByAcceptedEvent.set(eventId, change);
    }
    const updateCompleted = record(event.workflowExecutionUpdateCompletedEventAttributes);
    if (event.workflowExecutionUpdateCompletedEventAttributes && record(updateCompleted.outcome).failure) {
      const accepted = updatesByAcceptedEvent.get(text(updateCompleted.acceptedEventId));
      if (accepted) accepted.failed = true;
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
