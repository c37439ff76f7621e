// notify (`notify:<workflowId>:<runId>:<event>`): posts one event to every webhook of the
// orchestrator's configuration (DESIGN 14), each through its own activity with its own retries, so
// a receiver that is down gets the event when it is back (within a day) without the others getting
// it twice. A webhook that refuses (3xx, a 4xx other than 408 and 429) is not asked again; the
// activity logs it. Never fails: its result says what became of each webhook.
import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { OrchestratorActivities } from '../libs/contract/activities';
import type { NotifyInput, NotifyResult, WebhookOutcome, WebhookRef } from '../libs/contract/notifications';

/** How long a webhook that is down is retried: after this, the event is dropped for it. */
export const notificationRetryWindow = '24 hours';

export async function notifyWorkflow(input: NotifyInput): Promise<NotifyResult> {
  const { notificationWebhooks } = proxyActivities<OrchestratorActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });
  const { postNotification } = proxyActivities<OrchestratorActivities>({
    // One attempt may wait on a slow receiver; the activity's own request timeout is shorter.
    startToCloseTimeout: '1 minute',
    scheduleToCloseTimeout: notificationRetryWindow,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });
  const webhooks = await notificationWebhooks();
  const outcomes = await Promise.all(
    webhooks.map(async (webhook: WebhookRef): Promise<WebhookOutcome> => {
      try {
        const { status } = await postNotification({ event: input.event, webhook });
        return { webhook, outcome: 'delivered', status };
      } catch (error) {
        const cause = error instanceof ActivityFailure ? error.cause : error;
        const detail = cause instanceof Error ? cause.message : String(cause);
        if (cause instanceof ApplicationFailure && cause.type === 'webhook-refused') return { webhook, outcome: 'refused', detail };
        return { webhook, outcome: 'undelivered', detail };
      }
    }),
  );
  return { webhooks: outcomes };
}
