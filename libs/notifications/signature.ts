// How a webhook body is signed (README, Notifications): HMAC-SHA256 with the webhook's secret over
// `<timestamp>.<body>`, the timestamp (Unix seconds, the moment of this attempt) sent beside it, so a
// receiver that checks both the signature and the timestamp's age refuses a replayed request.
import { createHmac } from 'node:crypto';

export const signatureHeader = 'X-KeySync-Signature';
export const timestampHeader = 'X-KeySync-Timestamp';
export const eventHeader = 'X-KeySync-Event';
export const deliveryHeader = 'X-KeySync-Delivery';

/** The string that is signed: the timestamp, a dot, and the exact bytes of the body. */
export function signedText(timestamp: string, body: string): string {
  return `${timestamp}.${body}`;
}

/** `sha256=<lower-case hex HMAC-SHA256(secret, "<timestamp>.<body>")>`. */
export function signBody(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(signedText(timestamp, body), 'utf8').digest('hex')}`;
}
