// What a webhook is told (DESIGN 14, Notifications): that a member waits for approvers, and that an
// operation ended. A workflow builds the event from its own state and hands it to a detached
// `notify` workflow (workflows/notify-workflow.ts), whose input records it in the history; the
// orchestrator's postNotification activity posts it. Public facts only: ids, kinds, states,
// counts and times, never a key byte, a PIN, a token or a webhook's URL or secret.
import type { MemberFailureReason, MemberState, OperationKind, OperationStatus } from './operations';

export const notificationEventTypes = ['awaiting-approval', 'operation-ended'] as const;
export type NotificationEventType = (typeof notificationEventTypes)[number];

export interface NotifiedMember {
  member: string;
  state: MemberState;
  /** Why it failed, when it did. */
  reason?: MemberFailureReason;
}

/** The event as a workflow records it: the body posted, less the console link (the orchestrator's configuration gives that). */
export interface OperationEvent {
  event: NotificationEventType;
  /** Unique per event (the notify workflow's id): a post retried after a lost answer arrives twice, with this id both times. */
  eventId: string;
  /** When it happened, ISO 8601 (workflow time). */
  time: string;
  operationId: string;
  kind: OperationKind;
  cluster: string;
  /** The operation's state: `running` while approvals are awaited, its final state once ended. */
  state: OperationStatus;
  requestedBy: string;
  members: NotifiedMember[];
  /** awaiting-approval only: whose approval is awaited (`*` for a retire: all members at once), how many, until when. */
  approval?: { member: string; required: number; deadline?: string };
}

/** The JSON body posted to a webhook. */
export interface NotificationBody extends OperationEvent {
  /** `<api.publicUrl>/#/operations/<operationId>`; absent when the configuration names no api.publicUrl. */
  consoleUrl?: string;
}

/**
 * A webhook as a workflow's history names it: an opaque id derived from its URL (which may hold a
 * secret, as a chat service's incoming-webhook URL does), and its origin for people to read.
 */
export interface WebhookRef {
  id: string;
  origin: string;
}

export interface NotifyInput {
  event: OperationEvent;
}

export type WebhookOutcome =
  | { webhook: WebhookRef; outcome: 'delivered'; status: number }
  /** A 3xx or a 4xx other than 408 and 429: the receiver will not take it; not retried. */
  | { webhook: WebhookRef; outcome: 'refused'; detail: string }
  /** Still failing when the retry window closed, or removed from the configuration meanwhile. */
  | { webhook: WebhookRef; outcome: 'undelivered'; detail: string };

export interface NotifyResult {
  webhooks: WebhookOutcome[];
}
