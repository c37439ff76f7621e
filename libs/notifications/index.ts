export { consoleUrlOf, notificationBody } from './notification-body';
export { postWebhook } from './post-webhook';
export type { WebhookAnswer, WebhookPost } from './post-webhook';
export { deliveryHeader, eventHeader, signBody, signatureHeader, signedText, timestampHeader } from './signature';
export { webhookRef } from './webhook-ref';
