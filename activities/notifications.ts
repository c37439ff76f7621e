// The orchestrator's notification activities (DESIGN 14): the webhooks of its configuration, and
// one delivery attempt to one of them per call (workflows/notify-workflow.ts retries). The URL and
// the secret stay here: the history knows a webhook by its id and origin (libs/notifications), and
// the secret is read from its file for each attempt, so a rotated secret applies at once.
import { ApplicationFailure, log } from '@temporalio/activity';
import type { NotificationConfig } from '../libs/config/types';
import type { OrchestratorActivities } from '../libs/contract/activities';
import { notificationBody, postWebhook, webhookRef } from '../libs/notifications';
import { readSecret, SecretUnavailableError } from '../libs/secret-source';

export interface NotificationDeps {
  notifications?: readonly NotificationConfig[];
  /** api.publicUrl: the console link's base; without it events carry no link. */
  publicUrl?: string;
}

type NotificationActivities = Pick<OrchestratorActivities, 'notificationWebhooks' | 'postNotification'>;

export function createNotificationActivities({ notifications = [], publicUrl }: NotificationDeps): NotificationActivities {
  const webhooks = notifications.map((notification, index) => ({ ...notification.webhook, ref: webhookRef(notification.webhook.url), field: `notifications[${index}]` }));
  // Said once per process, on the first post: why the events have no console link.
  let linkExplained = publicUrl !== undefined;
  return {
    async notificationWebhooks() {
      return webhooks.map((webhook) => webhook.ref);
    },
    async postNotification({ event, webhook: wanted }) {
      const webhook = webhooks.find((candidate) => candidate.ref.id === wanted.id);
      if (webhook === undefined) {
        throw ApplicationFailure.create({
          type: 'webhook-gone',
          message: `The webhook at ${wanted.origin} is no longer in this orchestrator's configuration; event ${event.eventId} is not sent to it.`,
          nonRetryable: true,
        });
      }
      let secret: string | undefined;
      if (webhook.secretFile !== undefined) {
        try {
          secret = await readSecret({ file: webhook.secretFile }, `The secret of webhook ${webhook.field} (${webhook.ref.origin})`);
        } catch (error) {
          // Retryable: once the file is fixed, the next attempt signs and sends. Unsigned, never.
          if (error instanceof SecretUnavailableError) throw ApplicationFailure.create({ type: 'webhook-secret-unavailable', message: error.message });
          throw error;
        }
      }
      if (!linkExplained) {
        linkExplained = true;
        log.info('notifications carry no console link: set api.publicUrl in the configuration to the address people reach the API at');
      }
      const answer = await postWebhook({ url: webhook.url, body: notificationBody(event, publicUrl), event: event.event, eventId: event.eventId, ...(secret !== undefined ? { secret } : {}) });
      if (answer.outcome === 'delivered') return { status: answer.status };
      if (answer.outcome === 'retry') throw ApplicationFailure.create({ type: 'webhook-unavailable', message: `${answer.message}; retrying.` });
      log.warn('webhook refused an event; it is not sent again', { webhook: webhook.field, origin: webhook.ref.origin, status: answer.status, eventId: event.eventId });
      throw ApplicationFailure.create({ type: 'webhook-refused', message: answer.message, nonRetryable: true });
    },
  };
}
