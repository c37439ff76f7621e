// How a workflow's history names a webhook: never by its URL (an incoming-webhook URL often is its
// own secret), but by an id derived from it and the origin alone, which a person can read.
import { sha256Hex } from '../digest';
import type { WebhookRef } from '../contract/notifications';

export function webhookRef(url: string): WebhookRef {
  return { id: sha256Hex(`keysync-webhook/1|${url}`).slice(0, 16), origin: new URL(url).origin };
}
