// One attempt at delivering a body to a webhook. What the answer means for the retries: a 2xx is
// delivered; no answer, a 5xx, 408 (timeout) or 429 (slow down) is worth another attempt; a 3xx (a
// webhook is not followed elsewhere) or any other 4xx will not change by asking again. Messages name
// the receiver's origin only, never its URL, the body or the secret.
import { signBody, deliveryHeader, eventHeader, signatureHeader, timestampHeader } from './signature';

export interface WebhookPost {
  url: string;
  body: string;
  event: string;
  eventId: string;
  /** Signs the body when set. */
  secret?: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  timeoutMs?: number;
}

export type WebhookAnswer =
  | { outcome: 'delivered'; status: number }
  | { outcome: 'retry'; message: string }
  | { outcome: 'refused'; status: number; message: string };

const RETRYABLE_CLIENT_ERRORS = [408, 429];

export async function postWebhook(post: WebhookPost): Promise<WebhookAnswer> {
  const origin = new URL(post.url).origin;
  const timestamp = String(post.timestamp ?? Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'KeySync-Webhook/1',
    [eventHeader]: post.event,
    [deliveryHeader]: post.eventId,
    [timestampHeader]: timestamp,
  };
  if (post.secret !== undefined) headers[signatureHeader] = signBody(post.secret, timestamp, post.body);
  let response: Response;
  try {
    response = await fetch(post.url, { method: 'POST', headers, body: post.body, redirect: 'manual', signal: AbortSignal.timeout(post.timeoutMs ?? 30_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? (error instanceof Error && error.name === 'TimeoutError' ? 'no answer in time' : 'network error');
    return { outcome: 'retry', message: `could not reach the webhook at ${origin} (${why})` };
  }
  // The answer's body is not read: drop it so the connection is freed.
  await response.body?.cancel().catch(() => undefined);
  const { status } = response;
  if (status >= 200 && status < 300) return { outcome: 'delivered', status };
  if (status >= 500 || RETRYABLE_CLIENT_ERRORS.includes(status)) return { outcome: 'retry', message: `the webhook at ${origin} answered ${status}` };
  const why = status >= 300 && status < 400 ? 'webhooks are not followed to another address: configure the address it redirects to' : 'fix the receiver or its configuration; this event is not sent again';
  return { outcome: 'refused', status, message: `the webhook at ${origin} answered ${status}: ${why}` };
}
