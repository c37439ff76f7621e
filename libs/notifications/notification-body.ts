// The JSON posted for an event: the event as the workflow recorded it, plus a link to the
// operation's page in the console when the configuration gives the API's public address (the
// orchestrator cannot know under which name people reach the API, so without it there is no link).
import type { NotificationBody, OperationEvent } from '../contract/notifications';

export function consoleUrlOf(publicUrl: string, operationId: string): string {
  return `${publicUrl.replace(/\/$/, '')}/#/operations/${operationId}`;
}

export function notificationBody(event: OperationEvent, publicUrl: string | undefined): string {
  const body: NotificationBody = { ...event, ...(publicUrl ? { consoleUrl: consoleUrlOf(publicUrl, event.operationId) } : {}) };
  return JSON.stringify(body);
}
